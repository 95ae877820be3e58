// The shell: header with navigation, account, language and sign-out; the install banner; the page
// for the current address; the signed-out screen that explains how to get in from amoCRM.
import { useEffect } from "preact/hooks";
import { lang, setLang, t, type Key } from "./i18n";
import { route, Link, navigate } from "./router";
import { routePath, sectionOf, type Section } from "./routes";
import { logout, session, loadSession } from "./session";
import { errorText, storedText } from "./problem";
import { toast } from "./ui/toast";
import { Button, ErrorBox, Loading, Toasts } from "./ui/kit";
import { DashboardPage } from "./dashboard/DashboardPage";
import { RulesPage } from "./rules/RulesPage";
import { RuleEditorPage } from "./rules/RuleEditorPage";
import { UploadsPage } from "./uploads/UploadsPage";
import { CallsPage } from "./calls/CallsPage";
import { AuditPage } from "./audit/AuditPage";
import { EventPage } from "./audit/EventPage";
import type { AdminSessionResponse } from "../../worker/src/api-types";

const SECTIONS: { id: Section; key: Key }[] = [
  { id: "dashboard", key: "nav.dashboard" },
  { id: "rules", key: "nav.rules" },
  { id: "uploads", key: "nav.uploads" },
  { id: "calls", key: "nav.calls" },
  { id: "audit", key: "nav.audit" },
];

export function LangSwitch() {
  const other = lang.value === "ru" ? "en" : "ru";
  return (
    <button type="button" class="btn btn-ghost btn-small lang" data-testid="lang-switch" aria-label={t("lang.switch")} onClick={() => setLang(other)}>
      {other === "en" ? "EN" : "RU"}
    </button>
  );
}

export interface InstallBannerProps {
  session: AdminSessionResponse;
}

/** Says what is wrong with the install and what to do, where every page shows it. */
export function InstallBanner({ session: s }: InstallBannerProps) {
  if (s.install_status === "active") return null;
  const text =
    s.install_status === "reauth_required"
      ? s.action
        ? storedText(s.action, s.actionText, lang.value)
        : t("banner.reauth")
      : s.install_status === "pending"
        ? t("banner.pending")
        : t("banner.notInstalled");
  return (
    <div class="banner-wrap">
      <div class={`banner ${s.install_status === "pending" ? "banner-warn" : "banner-bad"}`} role="alert" data-testid="install-banner">
        <strong>{s.install_status === "reauth_required" ? t("banner.reauthTitle") : t("banner.title")}</strong> <span>{text}</span>
      </div>
    </div>
  );
}

export function SignedOut() {
  const s = session.value;
  const reason = s.kind === "signedOut" ? s.reason : null;
  return (
    <main class="signed-out" data-testid="signed-out">
      <div class="signed-out-box">
        <div class="top-right">
          <LangSwitch />
        </div>
        <h1>{reason === "logged_out" ? t("signin.loggedOut") : t("signin.title")}</h1>
        {reason === "invalid_session" ? <p class="alert alert-warn">{t("signin.expired")}</p> : null}
        {reason === "uninstalled" ? <p class="alert alert-bad">{t("signin.uninstalled")}</p> : null}
        {reason === "not_admin" ? <p class="alert alert-bad">{t("signin.notAdmin")}</p> : null}
        {reason === "revoked" ? <p class="alert alert-warn">{t("signin.revoked")}</p> : null}
        <p>{t("signin.intro")}</p>
        <ol class="steps">
          <li>{t("signin.step1")}</li>
          <li>{t("signin.step2")}</li>
          <li>{t("signin.step3")}</li>
        </ol>
        <p class="muted">{t("signin.note")}</p>
      </div>
    </main>
  );
}

function Page() {
  const r = route.value;
  switch (r.name) {
    case "dashboard":
      return <DashboardPage />;
    case "rules":
      return <RulesPage />;
    case "rule":
      return <RuleEditorPage id={r.id} />;
    case "uploads":
      return <UploadsPage />;
    case "calls":
      return <CallsPage />;
    case "audit":
      return <AuditPage />;
    case "event":
      return <EventPage id={r.id} />;
    default:
      return (
        <div class="page" data-testid="not-found">
          <h1>{t("notFound.title")}</h1>
          <p>{t("notFound.text")}</p>
          <Link class="btn btn-primary" href={routePath({ name: "dashboard" })}>
            {t("notFound.home")}
          </Link>
        </div>
      );
  }
}

export function App() {
  const s = session.value;
  const current = sectionOf(route.value);
  useEffect(() => {
    // "/admin" and "/admin/" are the same page; keep one address.
    if (window.location.pathname === "/admin") navigate("/admin/" + window.location.search, { replace: true });
  }, []);
  useEffect(() => {
    const key: Key = current ? (SECTIONS.find((x) => x.id === current)?.key ?? "nav.dashboard") : "notFound.title";
    document.title = `${t(key)} · ${t("app.title")}`;
  });

  if (s.kind === "loading") {
    return (
      <main class="center">
        <Loading />
      </main>
    );
  }
  if (s.kind === "signedOut") return <SignedOut />;
  if (s.kind === "error") {
    return (
      <main class="center">
        <ErrorBox error={s.error} onRetry={() => void loadSession()} />
      </main>
    );
  }
  const me = s.session;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t("app.skip")}
      </a>
      <header class="top">
        <div class="top-row">
          <Link class="brand" href={routePath({ name: "dashboard" })}>
            <span class="brand-mark" aria-hidden="true">
              ⇄
            </span>
            <span>{t("app.title")}</span>
          </Link>
          <div class="who">
            <span class="who-text" data-testid="account">
              <span class="who-name">{me.user_name ?? t("app.user", { id: me.user_id })}</span>
              <span class="muted small">{me.subdomain ? `${me.subdomain}.amocrm.ru` : t("app.account", { id: me.account_id })}</span>
            </span>
            <LangSwitch />
            <Button
              small
              variant="ghost"
              onClick={() =>
                logout().catch((err: unknown) => toast(errorText(err, lang.value, { network: t("error.network"), server: (status) => t("error.server", { status }) }).message, "error"))
              }
              data-testid="logout"
            >
              {t("app.logout")}
            </Button>
          </div>
        </div>
        <nav class="tabs" aria-label={t("nav.label")}>
          {SECTIONS.map((x) => (
            <Link key={x.id} href={routePath({ name: x.id } as { name: Section })} class={`tab${current === x.id ? " active" : ""}`} aria-current={current === x.id ? "page" : undefined} data-testid={`nav-${x.id}`}>
              {t(x.key)}
            </Link>
          ))}
        </nav>
      </header>
      <InstallBanner session={me} />
      <main id="main" class="main" tabIndex={-1}>
        <Page />
      </main>
      <Toasts />
    </div>
  );
}
