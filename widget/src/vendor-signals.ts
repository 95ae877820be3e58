// Entry of vendor-signals.js: @preact/signals as an AMD module on top of vendor.js (the same
// Preact instance). Only settings.js needs it; the card panel never loads it.
export * from "@preact/signals";
