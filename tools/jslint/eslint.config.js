// Real errors only in the pages' and the phone app's browser code: undefined and unused names.
// Style is left to the authors. Run from the repository root: npx --prefix tools/jslint eslint -c tools/jslint/eslint.config.js service
import globals from "globals";

export default [
  {
    files: ["**/static/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
  {
    // The pages' script is a classic script, not a module.
    files: ["service/pages/static/*.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    // The service worker: its own globals, and the two placeholders the server fills in when serving it.
    files: ["service/phone_app/static/sw.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker, __VERSION__: "readonly", __SHELL__: "readonly" },
    },
  },
];
