// The agenda's banner: vanilla-cookieconsent, accept and reject of equal weight. It records the
// choice and gates nothing: the video player is in the page's HTML.
CookieConsent.run({
  guiOptions: {
    consentModal: {layout: 'bar', position: 'bottom', equalWeightButtons: true},
    preferencesModal: {layout: 'box', equalWeightButtons: true}
  },
  categories: {
    necessary: {enabled: true, readOnly: true},
    videos: {}
  },
  language: {
    default: 'fr',
    translations: {
      fr: {
        consentModal: {
          title: 'Cookies',
          description: 'Nous souhaitons afficher des vidéos de nos partenaires. Acceptez-vous leurs cookies ?',
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
            {title: 'Vidéos', description: 'Lecteur vidéo de nos partenaires.', linkedCategory: 'videos'}
          ]
        }
      }
    }
  }
});
