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

/** amoCRM's onSave should settle within about 2 s; switching off never waits on us longer. */
export const SWITCH_OFF_WAIT_MS = 1500;

export function mountSettings(el: Element, host: HostInput, onConsent: (given: boolean) => void): SettingsHandle {
  const env = createEnv(host, createApi);
  const store = createSettingsStore(env, host.consent, onConsent);
  render(<SettingsPanel env={env} store={store} />, el);
  return {
    save: async (opts) => {
      const outcome = await store.save(opts);
      if (!outcome.ok) throw new Error(outcome.message);
    },
    switchOff: () => {
      // Nothing was ever sent without consent, and nothing is now; LPTracker or our server being
      // down must not keep the widget on.
      if (!store.consent.value) return Promise.resolve();
      const sent = env.api.setActive(false).then(
        () => undefined,
        () => undefined,
      );
      return Promise.race([sent, new Promise<void>((resolve) => setTimeout(resolve, SWITCH_OFF_WAIT_MS))]);
    },
  };
}

export function mountAdvanced(el: Element, host: HostInput): void {
  render(<AdvancedPage env={createEnv(host, createApi)} consent={host.consent} />, el);
}

export function unmount(el: Element): void {
  render(null, el);
}
