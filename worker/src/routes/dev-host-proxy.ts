// Shared by the host page (dev-host.ts) and the sandbox's host-origin proxy (scripts/sandbox-lib.ts),
// kept free of imports so that Node can load it without the Workers runtime.

/** The sandbox's host-origin proxy marks what it forwards, so /dev/amocrm knows it is already there. */
export const HOST_PROXY_HEADER = "x-sandbox-host-page";
