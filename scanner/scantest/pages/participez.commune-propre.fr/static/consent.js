// Commune-Propre's banner: vanilla-cookieconsent with accept and reject of equal weight.
// Audience measurement is self-hosted and exempt; consent only governs optional content.
CookieConsent.run({
  guiOptions: {
    consentModal: {layout: 'box', position: 'bottom right', equalWeightButtons: true, flipButtons: false},
    preferencesModal: {layout: 'box', equalWeightButtons: true}
  },
  categories: {
    necessary: {enabled: true, readOnly: true},
    external: {}
  },
  language: {
    default: 'fr',
    translations: {
      fr: {
        consentModal: {
          title: 'Vos choix sur ce site',
          description: "Nous mesurons l'audience avec notre propre outil, sans le partager. " +
            'Avec votre accord, nous afficherons aussi des contenus externes.',
          acceptAllBtn: 'Tout accepter',
          acceptNecessaryBtn: 'Tout refuser',
          showPreferencesBtn: 'Choisir'
        },
        preferencesModal: {
          title: 'Préférences',
          acceptAllBtn: 'Tout accepter',
          acceptNecessaryBtn: 'Tout refuser',
          savePreferencesBtn: 'Enregistrer',
          sections: [
            {title: 'Nécessaires', description: 'Indispensables au site.', linkedCategory: 'necessary'},
            {title: 'Contenus externes', description: 'Vidéos et cartes.', linkedCategory: 'external'}
          ]
        }
      }
    }
  }
});
