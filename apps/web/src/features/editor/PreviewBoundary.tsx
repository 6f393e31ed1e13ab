import { Component, type ReactNode } from 'react';

interface PreviewBoundaryProps {
  /** A change (the draft or its answer) tries drawing again. */
  resetKey: string;
  children: ReactNode;
}

interface PreviewBoundaryState {
  failed: string | null;
  resetKey: string;
}

/**
 * A draft can be anything the JSON allows, and an answer may belong to the query before; a panel
 * that cannot draw that must not take the editor down with it.
 */
export class PreviewBoundary extends Component<PreviewBoundaryProps, PreviewBoundaryState> {
  override state: PreviewBoundaryState = { failed: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<PreviewBoundaryState> {
    return { failed: error instanceof Error ? error.message : String(error) };
  }

  static getDerivedStateFromProps(props: PreviewBoundaryProps, state: PreviewBoundaryState): Partial<PreviewBoundaryState> | null {
    return props.resetKey !== state.resetKey ? { failed: null, resetKey: props.resetKey } : null;
  }

  override render() {
    if (this.state.failed !== null) return <p className="pe-error">This panel cannot be drawn from this answer: {this.state.failed}</p>;
    return this.props.children;
  }
}
