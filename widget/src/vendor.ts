// Entry of vendor.js: Preact and its hooks as one AMD module, loaded once through RequireJS for
// every bundle. Nothing of ours lives here. It exports what app.js, settings.js and
// vendor-signals.js import (the card's 15 KB budget pays for every byte); the archive test checks
// that nothing they import is missing.
export { Component, createElement, Fragment, h, isValidElement, options, render } from "preact";
export { useEffect, useMemo, useRef, useState } from "preact/hooks";
