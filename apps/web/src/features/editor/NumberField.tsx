import { parseOptionalNumber } from './draft-query';
import { useSyncedText } from './useSyncedText';

interface NumberFieldProps {
  id: string;
  label: string;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  placeholder?: string;
}

/** An optional number: empty text leaves it out. */
export function NumberField({ id, label, value, onChange, placeholder }: NumberFieldProps) {
  const [text, setText] = useSyncedText(value, (v) => (v === undefined ? '' : String(v)), parseOptionalNumber, onChange);
  return (
    <div className="pe-field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" step="any" value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}
