// A <select> filled from option groups, which keeps showing a saved value the groups no longer
// contain (a deleted field) instead of silently switching to another one.
import { h } from "preact";
import type { OptionGroup } from "../mapping-model";

export interface PickerProps {
  value: string;
  groups: OptionGroup[];
  onChange: (value: string) => void;
  placeholder?: string;
  /** Label of `value` when no group contains it. */
  missingLabel?: string;
  disabled?: boolean;
  invalid?: boolean;
  testId?: string;
  ariaLabel?: string;
}

export function Picker({ value, groups, onChange, placeholder, missingLabel, disabled, invalid, testId, ariaLabel }: PickerProps) {
  const known = groups.some((g) => g.options.some((o) => o.value === value));
  return (
    <select
      class={`lptw-select${invalid ? " lptw-select--invalid" : ""}`}
      value={value}
      disabled={disabled}
      aria-label={ariaLabel}
      onChange={(e) => onChange(e.currentTarget.value)}
      data-testid={testId}
    >
      {(!value || !known) && <option value={value}>{value && missingLabel ? missingLabel : (placeholder ?? "")}</option>}
      {groups.map((g) =>
        g.label ? (
          <optgroup key={g.label} label={g.label}>
            {g.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </optgroup>
        ) : (
          g.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))
        ),
      )}
    </select>
  );
}
