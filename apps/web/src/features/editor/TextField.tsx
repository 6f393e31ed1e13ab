import type { ErrorDetail } from '@sightline/sdk';
import { FieldErrors, invalidProps } from './FieldErrors';

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: readonly ErrorDetail[];
  placeholder?: string;
  list?: string;
  disabled?: boolean;
}

export function TextField({ id, label, value, onChange, errors = [], placeholder, list, disabled }: TextFieldProps) {
  return (
    <div className="pe-field pe-grow">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        placeholder={placeholder}
        list={list}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        {...invalidProps(`${id}-errors`, errors)}
      />
      <FieldErrors id={`${id}-errors`} errors={errors} />
    </div>
  );
}
