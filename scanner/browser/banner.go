package browser

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Rule recognises one consent platform's banner: the first visible match
// of a Container selector is the banner; the Accept, Reject and Settings
// selectors find its first-layer controls (searched in the banner, then in
// the document; open shadow roots are pierced). Controls the selectors miss
// are classified by their wording.
type Rule struct {
	Engine    string   `json:"engine"`
	Container []string `json:"container"`
	Accept    []string `json:"accept"`
	Reject    []string `json:"reject"`
	Settings  []string `json:"settings"`
}

// Rules are the consent platforms common on French and European public
// sites, by their published markup. Usercentrics's open shadow root is
// pierced; Sourcepoint's banner lives in a cross-origin iframe, searched
// as every frame is.
var Rules = []Rule{
	{Engine: "tarteaucitron", Container: []string{"#tarteAuCitronAlertBig", "#tarteaucitronAlertBig"},
		Accept: []string{"#tarteaucitronPersonalize2", "#tarteaucitronPersonalize"}, Reject: []string{"#tarteaucitronAllDenied2", ".tarteaucitronDeny"},
		Settings: []string{"#tarteaucitronCloseAlert"}},
	{Engine: "axeptio", Container: []string{"#axeptio_overlay .axeptio_widget", "#axeptio_main_button", ".axeptio_widget", "#axeptio_overlay"},
		Accept: []string{"#axeptio_btn_acceptAll"}, Reject: []string{"#axeptio_btn_dismiss"}, Settings: []string{"#axeptio_btn_configure"}},
	{Engine: "didomi", Container: []string{"#didomi-notice", "#didomi-popup .didomi-popup-container", "#didomi-popup"},
		Accept: []string{"#didomi-notice-agree-button"}, Reject: []string{"#didomi-notice-disagree-button", ".didomi-continue-without-agreeing"},
		Settings: []string{"#didomi-notice-learn-more-button"}},
	{Engine: "onetrust", Container: []string{"#onetrust-banner-sdk", "#onetrust-consent-sdk .ot-sdk-container"},
		Accept: []string{"#onetrust-accept-btn-handler"}, Reject: []string{"#onetrust-reject-all-handler", ".ot-pc-refuse-all-handler"},
		Settings: []string{"#onetrust-pc-btn-handler"}},
	{Engine: "cookiebot", Container: []string{"#CybotCookiebotDialog"},
		Accept:   []string{"#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll", "#CybotCookiebotDialogBodyButtonAccept"},
		Reject:   []string{"#CybotCookiebotDialogBodyButtonDecline"},
		Settings: []string{"#CybotCookiebotDialogBodyLevelButtonCustomize", "#CybotCookiebotDialogBodyButtonDetails"}},
	{Engine: "usercentrics", Container: []string{"#uc-center-container", "[data-testid=uc-default-wall]", "#usercentrics-root", "#usercentrics-cmp-ui"},
		Accept: []string{"[data-testid=uc-accept-all-button]", "#accept"}, Reject: []string{"[data-testid=uc-deny-all-button]", "#deny"},
		Settings: []string{"[data-testid=uc-more-button]", "#more"}},
	{Engine: "sirdata", Container: []string{"#sd-cmp"},
		Accept: []string{"#sd-cmp [class*=sd-cmp] button[title*=ccepter]"}, Reject: []string{"#sd-cmp [class*=sd-cmp] [title*=efuser]"}},
	{Engine: "klaro", Container: []string{".klaro .cookie-notice", ".klaro .cookie-modal"},
		Accept: []string{".cm-btn-accept-all", ".cm-btn-success"}, Reject: []string{".cn-decline", ".cm-btn-decline"}, Settings: []string{".cn-learn-more"}},
	{Engine: "cookieconsent (orestbida)", Container: []string{"#cc-main .cm", "#cc_div #cm"},
		Accept: []string{".cm__btn[data-role=all]", "#c-p-bn"}, Reject: []string{".cm__btn[data-role=necessary]", "#c-s-bn"},
		Settings: []string{".cm__btn[data-role=show]", "[data-cc=show-preferencesModal]", "#c-s-bn.c_link"}},
	{Engine: "osano", Container: []string{".osano-cm-dialog"},
		Accept: []string{".osano-cm-accept-all", ".osano-cm-accept"}, Reject: []string{".osano-cm-denyAll", ".osano-cm-deny"}, Settings: []string{".osano-cm-manage"}},
	{Engine: "cookieconsent (Osano, Insites)", Container: []string{".cc-window"},
		Accept: []string{".cc-allow", ".cc-dismiss"}, Reject: []string{".cc-deny"}, Settings: []string{".cc-settings"}},
	{Engine: "complianz", Container: []string{".cmplz-cookiebanner"},
		Accept: []string{".cmplz-accept"}, Reject: []string{".cmplz-deny"}, Settings: []string{".cmplz-view-preferences", ".cmplz-manage-options"}},
	{Engine: "cookieyes", Container: []string{".cky-consent-container", "#cookie-law-info-bar"},
		Accept: []string{".cky-btn-accept", "#cookie_action_close_header"}, Reject: []string{".cky-btn-reject", "#cookie_action_close_header_reject"},
		Settings: []string{".cky-btn-customize", ".cli_settings_button"}},
	{Engine: "iubenda", Container: []string{"#iubenda-cs-banner"},
		Accept: []string{".iubenda-cs-accept-btn"}, Reject: []string{".iubenda-cs-reject-btn"}, Settings: []string{".iubenda-cs-customize-btn"}},
	{Engine: "react-cookie-consent", Container: []string{".CookieConsent"},
		Accept: []string{"#rcc-confirm-button"}, Reject: []string{"#rcc-decline-button"}},
	{Engine: "orejime", Container: []string{".orejime-Banner", ".orejime-Modal"},
		Accept:   []string{"[data-testid=orejime-banner-accept]", ".orejime-Banner-saveButton", ".orejime-Button--save"},
		Reject:   []string{"[data-testid=orejime-banner-decline]", ".orejime-Banner-declineButton", ".orejime-Button--decline"},
		Settings: []string{"[data-testid=orejime-banner-configure]", ".orejime-Banner-learnMoreButton"}},
	{Engine: "c15t", Container: []string{"[data-testid=consent-banner-card]", "[data-testid=consent-banner-root]"},
		Accept:   []string{"[data-testid=consent-banner-accept-button]"},
		Reject:   []string{"[data-testid=consent-banner-reject-button]"},
		Settings: []string{"[data-testid=consent-banner-customize-button]"}},
	{Engine: "sourcepoint", Container: []string{".message:has([class*=sp_choice_type_])", "#notice:has([class*=sp_choice_type_])"},
		Accept: []string{".sp_choice_type_11"}, Reject: []string{".sp_choice_type_13"}, Settings: []string{".sp_choice_type_12"}},
	{Engine: "quantcast-choice", Container: []string{".qc-cmp2-container #qc-cmp2-ui", ".qc-cmp2-summary-buttons"},
		Accept: []string{".qc-cmp2-summary-buttons button[mode=primary]"}, Reject: []string{".qc-cmp2-summary-buttons button[mode=secondary]"}},
}

// Words are the first-layer wordings, normalised (lower case, no accents,
// punctuation as spaces), in French, English, German, Spanish, Italian and
// Dutch. A label is matched against Reject first ("continuer sans
// accepter" is a refusal), then Accept, then Settings.
var Words = struct {
	Accept   []string `json:"accept"`
	Reject   []string `json:"reject"`
	Settings []string `json:"settings"`
}{
	Accept: []string{
		"accepter", "tout accepter", "j'accepte", "accepter tout", "accepter et fermer", "accepter et continuer", "ok pour moi", "autoriser", "tout autoriser", "d'accord", "j'ai compris",
		"accept", "accept all", "i accept", "allow", "allow all", "agree", "i agree", "got it", "ok",
		"akzeptieren", "alle akzeptieren", "zustimmen", "alle zulassen", "einverstanden", "annehmen", "alles akzeptieren",
		"aceptar", "aceptar todo", "aceptar todas", "acepto", "permitir",
		"accetta", "accetto", "accetta tutti", "accetta tutto", "consenti",
		"accepteren", "alles accepteren", "akkoord", "toestaan", "alles toestaan",
	},
	Reject: []string{
		"refuser", "tout refuser", "je refuse", "refuser tout", "continuer sans accepter", "non merci", "rejeter", "tout rejeter", "interdire", "refuser et fermer",
		"reject", "reject all", "decline", "decline all", "deny", "deny all", "refuse", "refuse all", "necessary only", "only necessary", "essential only", "continue without accepting", "no thanks",
		"ablehnen", "alle ablehnen", "nur notwendige", "nur erforderliche", "verweigern",
		"rechazar", "rechazar todo", "rechazar todas", "denegar", "solo necesarias",
		"rifiuta", "rifiuto", "rifiuta tutti", "solo necessari", "nega", "continua senza accettare",
		"weigeren", "alles weigeren", "afwijzen", "alleen noodzakelijke", "alleen noodzakelijk",
	},
	Settings: []string{
		"personnaliser", "parametrer", "parametres", "preferences", "gerer", "gerer mes choix", "choisir", "reglages", "en savoir plus et personnaliser",
		"settings", "cookie settings", "customize", "customise", "manage", "manage options", "preferences", "options", "more options", "configure",
		"einstellungen", "anpassen", "verwalten", "mehr optionen",
		"configurar", "personalizar", "preferencias", "ajustes",
		"personalizza", "impostazioni", "gestisci", "preferenze",
		"instellingen", "aanpassen", "voorkeuren", "beheren",
	},
}

// Keywords mark a text as speaking of cookies or consent (normalised).
var Keywords = []string{
	"cookie", "cookies", "traceur", "traceurs", "consentement", "vie privee", "donnees personnelles", "rgpd",
	"consent", "privacy", "gdpr", "tracking",
	"datenschutz", "einwilligung",
	"privacidad", "consentimiento",
	"riservatezza", "consenso",
	"toestemming", "privacybeleid",
}

// ExcludeWords mark an overlay as something other than a consent banner
// although it offers to accept or refuse (a notification or newsletter
// prompt): the structural detection skips it when it has no consent word.
var ExcludeWords = []string{
	"notification", "notifications", "newsletter", "abonner", "s'abonner", "abonnement",
	"subscribe", "subscription", "push",
	"benachrichtigung", "benachrichtigungen", "abonnieren",
}

// bannerConfig is the argument of banner.js.
type bannerConfig struct {
	Rules    []Rule   `json:"rules"`
	Words    any      `json:"words"`
	Keywords []string `json:"keywords"`
	Exclude  []string `json:"exclude"`
}

// jsBanner is what banner.js returns.
type jsBanner struct {
	Engine  string `json:"engine"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	Text    string `json:"text"`
	Buttons []struct {
		Role       string       `json:"role"`
		Label      string       `json:"label"`
		Tag        string       `json:"tag"`
		IsLink     bool         `json:"isLink"`
		Box        evidence.Box `json:"box"`
		Color      string       `json:"color"`
		Background string       `json:"background"`
		FontSize   float64      `json:"fontSize"`
		Selector   string       `json:"selector"`
	} `json:"buttons"`
}

// toEvidence converts banner.js's answer, computing contrast ratios.
func (j *jsBanner) toEvidence(frame string) *evidence.Banner {
	b := &evidence.Banner{Engine: j.Engine, Rule: truncate(j.Rule, 300), Reason: clipUTF8(j.Reason, 1000), Frame: frame, Text: clipUTF8(j.Text, 2000)}
	for i, x := range j.Buttons {
		if i >= 12 {
			break
		}
		role := x.Role
		switch role {
		case "accept", "reject", "settings":
		default:
			role = "other"
		}
		b.Buttons = append(b.Buttons, evidence.Button{
			Role: role, Label: truncate(x.Label, 200), Tag: truncate(x.Tag, 20), IsLink: x.IsLink, Box: x.Box,
			Color: truncate(x.Color, 64), Background: truncate(x.Background, 64), FontSize: x.FontSize,
			Contrast: Contrast(x.Color, x.Background), Selector: truncate(x.Selector, 300),
		})
	}
	return b
}

var rgbRe = regexp.MustCompile(`^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$`)

// parseColor reads a computed rgb()/rgba() colour.
func parseColor(s string) (r, g, b, a float64, ok bool) {
	m := rgbRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, 0, 0, false
	}
	r, _ = strconv.ParseFloat(m[1], 64)
	g, _ = strconv.ParseFloat(m[2], 64)
	b, _ = strconv.ParseFloat(m[3], 64)
	a = 1
	if m[4] != "" {
		if strings.HasSuffix(m[4], "%") {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(m[4], "%"), 64)
			a = v / 100
		} else {
			a, _ = strconv.ParseFloat(m[4], 64)
		}
	}
	return r, g, b, a, true
}

// Contrast returns the WCAG 2 contrast ratio between a text colour and its
// background (a translucent text colour is blended over the background),
// rounded to two decimals; 0 when a colour cannot be read.
func Contrast(fg, bg string) float64 {
	fr, fgc, fb, fa, ok1 := parseColor(fg)
	br, bgc, bb, _, ok2 := parseColor(bg)
	if !ok1 || !ok2 {
		return 0
	}
	fr, fgc, fb = fr*fa+br*(1-fa), fgc*fa+bgc*(1-fa), fb*fa+bb*(1-fa)
	l1, l2 := luminance(fr, fgc, fb), luminance(br, bgc, bb)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return math.Round((l1+0.05)/(l2+0.05)*100) / 100
}

func luminance(r, g, b float64) float64 {
	ch := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
}
