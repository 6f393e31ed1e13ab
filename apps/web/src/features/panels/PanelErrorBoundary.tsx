import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface PanelErrorBoundaryProps {
  /** A change of this (a new answer, an edited panel) tries drawing again. */
  resetKey: unknown;
  children: ReactNode;
  /** Told when drawing failed, so that the frame can say `data-state="error"`. */
  onError?: (error: Error | undefined) => void;
}

interface State {
  error: Error | undefined;
  resetKey: unknown;
}

/**
 * One panel that throws while drawing shows its own message; the rest of the dashboard (or the
 * editor, for a draft that cannot be drawn) stays.
 */
export class PanelErrorBoundary extends Component<PanelErrorBoundaryProps, State> {
  override state: State = { error: undefined, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: PanelErrorBoundaryProps, state: State): Partial<State> | null {
    if (props.resetKey !== state.resetKey) return { resetKey: props.resetKey, error: undefined };
    return null;
  }

  override componentDidCatch(error: Error, _info: ErrorInfo): void {
    this.props.onError?.(error);
  }

  override componentDidUpdate(_prev: PanelErrorBoundaryProps, prevState: State): void {
    if (prevState.error !== undefined && this.state.error === undefined) this.props.onError?.(undefined);
  }

  override render(): ReactNode {
    if (this.state.error !== undefined) {
      return (
        <div className="panel-problem" role="alert">
          <strong>This panel could not be drawn.</strong>
          <span>{this.state.error.message}</span>
        </div>
      );
    }
    return this.props.children;
  }
}
