import { useEffect, type KeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement | null): HTMLElement[] {
  return root ? [...root.querySelectorAll<HTMLElement>(FOCUSABLE)] : [];
}

/**
 * A modal's keyboard contract: focus moves into it on open, Tab and Shift+Tab cycle inside it, focus
 * that escapes (a click on the backdrop) is brought back, Esc cancels, and on close focus returns to
 * what opened it. The rest of the page is made inert meanwhile, so that neither the pointer nor
 * assistive technology reaches behind the modal.
 */
export function useModalFocus(ref: RefObject<HTMLElement | null>, onCancel: () => void): (event: KeyboardEvent) => void {
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    const layer = dialog?.closest('body > *');
    const madeInert = layer ? [...document.body.children].filter((el) => el !== layer && !el.hasAttribute('inert')) : [];
    for (const el of madeInert) el.setAttribute('inert', '');
    (focusables(dialog)[0] ?? dialog)?.focus();
    const keepInside = (event: FocusEvent) => {
      if (dialog && event.target instanceof Node && !dialog.contains(event.target)) (focusables(dialog)[0] ?? dialog).focus();
    };
    document.addEventListener('focusin', keepInside);
    return () => {
      document.removeEventListener('focusin', keepInside);
      for (const el of madeInert) el.removeAttribute('inert');
      if (opener?.isConnected) opener.focus();
    };
  }, [ref]);

  return (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = focusables(ref.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      event.preventDefault();
      return;
    }
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
}
