// Entry: styles, the language on <html>, the session, then the shell.
import { render } from "preact";
import "./styles.css";
import { lang } from "./i18n";
import { loadSession } from "./session";
import { App } from "./app";

document.documentElement.lang = lang.value;
void loadSession();
render(<App />, document.getElementById("app")!);
