// The concertation site's banner: vanilla-cookieconsent, accept and reject of equal weight.
// Its onConsent callback fires for every choice, and loads the trackers without checking
// which categories were accepted.
CookieConsent.run({
  guiOptions: {
    consentModal: {layout: 'bar', position: 'bottom', equalWeightButtons: true},
    preferencesModal: {layout: 'box', equalWeightButtons: true}
  },
  categories: {
    necessary: {enabled: true, readOnly: true},
    analytics: {}
  },
  onConsent: function () { window.loadTrackers(); },
  language: {
    default: 'fr',
    translations: {
      fr: {
        consentModal: {
          title: 'Cookies',
          description: "Nous souhaitons mesurer l'audience de la concertation. Acceptez-vous ?",
          acceptAllBtn: 'Tout accepter',
          acceptNecessaryBtn: 'Tout refuser',
          showPreferencesBtn: 'Personnaliser'
        },
        preferencesModal: {
          title: 'Préférences',
          acceptAllBtn: 'Tout accepter',
          acceptNecessaryBtn: 'Tout refuser',
          savePreferencesBtn: 'Enregistrer',
          sections: [
            {title: 'Nécessaires', description: 'Indispensables au site.', linkedCategory: 'necessary'},
            {title: "Mesure d'audience", description: 'Google Analytics et Eulerian.', linkedCategory: 'analytics'}
          ]
        }
      }
    }
  }
});
