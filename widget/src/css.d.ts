// Lets TypeScript accept the CSS import in app.tsx; Vite extracts it into style.css.
declare module "*.css";
