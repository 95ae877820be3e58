// Entry of settings.js: the settings modal and the advanced settings page (mapping editor), which
// only administrators open, kept out of the card's bundle.
import { h, render } from "preact";
import { AdvancedPage } from "./advanced/AdvancedPage";
import { createApi } from "./api";
import { createEnv, type HostInput } from "./env";
import { createSettingsStore } from "./settings/settings-store";
import { SettingsPanel } from "./settings/SettingsPanel";

export interface SettingsHandle {
  /** For amoCRM's onSave (evt.active 'Y'): resolves when the modal may close, rejects (with the reason) when not. */
  save(opts?: { active?: boolean }): Promise<void>;
  /** For amoCRM's onSave with evt.active 'N': pauses processing; always resolves, within SWITCH_OFF_WAIT_MS. */
  switchOff(): Promise<void>;
}

export function mountSettings(el: Element, host: HostInput, onConsent: (given: boolean) => void): SettingsHandle {
  const env = createEnv(host, createApi);
  const store = createSettingsStore(env, host.consent, onConsent);
  render(<SettingsPanel env={env} store={store} />, el);
  return {
    save: async (opts) => {
      const outcome = await store.save(opts);
      if (!outcome.ok) throw new Error(outcome.message);
    },
    switchOff: () => store.switchOff(),
  };
}

export function mountAdvanced(el: Element, host: HostInput): void {
  render(<AdvancedPage env={createEnv(host, createApi)} consent={host.consent} />, el);
}

export function unmount(el: Element): void {
  render(null, el);
}
