// Entry of app.js, the card panel: the one bundle every manager loads with each lead or contact
// card, so it holds nothing else. script.js loads it through RequireJS and calls mountCard.
import { h, render } from "preact";
import { CardPanel } from "./card/CardPanel";
import { createCardApi } from "./api";
import { createEnv, type HostInput } from "./env";
import type { CardEntity } from "./requests";
import "./style.css";

export interface CardTarget {
  entity: CardEntity;
  /** 0 for a card that is not saved yet. */
  id: number;
}

export function mountCard(el: Element, host: HostInput, target: CardTarget): void {
  render(<CardPanel env={createEnv(host, createCardApi)} entity={target.entity} id={target.id} consent={host.consent} />, el);
}

export function unmount(el: Element): void {
  render(null, el);
}
