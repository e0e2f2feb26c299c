// enketo-core's `enketo/config`, as an enketo-express deployment replaces it. Maps: one blank tile layer, so
// the geopoint widget loads nothing from another host (the default asks OpenStreetMap and Google Maps).
// excludeNonRelevant: answers of questions that are not relevant are left out, as JavaRosa and ODK Central's
// Enketo do.
export default {
  experimentalOptimizations: { computeAsync: false },
  excludeNonRelevant: true,
  maps: [
    {
      tiles: ['data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='],
      name: 'streets',
      attribution: '',
    },
  ],
  googleApiKey: '',
  repeatOrdinals: false,
  validateContinuously: false,
  validatePage: true,
  swipePage: true,
  textMaxChars: 2000,
};
