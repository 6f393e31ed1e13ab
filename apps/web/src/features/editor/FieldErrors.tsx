import type { ErrorDetail } from '@sightline/sdk';

interface FieldErrorsProps {
  id: string;
  errors: readonly ErrorDetail[];
}

/** The server's problems with one field, shown beside it (and referenced by its aria-describedby). */
export function FieldErrors({ id, errors }: FieldErrorsProps) {
  if (errors.length === 0) return null;
  return (
    <ul className="pe-field-errors" id={id}>
      {errors.map((e, i) => (
        <li key={`${e.path}-${i}`}>{e.message}</li>
      ))}
    </ul>
  );
}

/** Props for an input that may have problems: marks it invalid and points at their text. */
export function invalidProps(id: string, errors: readonly ErrorDetail[]): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return errors.length > 0 ? { 'aria-invalid': true, 'aria-describedby': id } : {};
}
