package survey

import "regexp"

// signalKind says where in an observation a signal looks.
type signalKind int

const (
	inGenerator signalKind = iota // the contents of <meta name="generator">
	inRef                         // a URL the page loads or embeds, or a request it made
	inHost                        // the page's host name (asked for, or where the load ended)
	inPageURL                     // the page's whole URL (asked for, or where the load ended)
	inCookie                      // a cookie's name
	inMarker                      // an element marker: tag=, id=, class=, name=, attr=data-…, form-id=, form-name= (lower case)
	inComment                     // an HTML comment
	inText                        // the visible text, lower case, whitespace collapsed
	inRaw                         // the raw HTML, scripts included
)

// Weights: a platform is recognised when the weights of its structural
// signals that matched (everything but the visible text) add up to
// detectThreshold. A strong signal is enough on its own; weak ones (a
// generic asset path, a version comment) need company. Text signals never
// count, so that a page that merely mentions a platform is not taken for
// one running it; they are reported, and may give the version.
const (
	weak            = 1
	strong          = 2
	detectThreshold = 2
)

// signal is one observable trace of a platform.
type signal struct {
	// Name says what matched, in the detection's Signals.
	Name string
	Kind signalKind
	// Pattern is matched against the values of Kind.
	Pattern *regexp.Regexp
	Weight  int
	// Version is set when Pattern's first group captures the version.
	Version bool
	// Generation is the version line the signal implies ("2.x"), used
	// when no exact version is exposed.
	Generation string
	// Example is a value Pattern must match (checked by the tests).
	Example string
}

// signature lists the signals of one platform.
type signature struct {
	// Key is the platform's key in vigie's entity catalogue
	// (scanner/entities/catalogue.yaml), used in the platform's record ID.
	Key string
	// Name is the platform's common name.
	Name    string
	Signals []signal
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// signatures is the table of consultation and survey platforms vigie
// recognises. Patterns were written from each platform's public markup and
// source (LimeSurvey's themes and Yii routes, Decidim's packs, Cap
// Collectif's templates, Go Vocal's cookies, each SaaS's embed snippets).
var signatures = []signature{
	{Key: "limesurvey", Name: "LimeSurvey", Signals: []signal{
		{Name: "generator meta", Kind: inGenerator, Weight: strong, Version: true,
			Pattern: re(`(?i)^limesurvey\b(?:[^0-9]{0,40}?(\d+\.\d+(?:\.\d+)?(?:\+\d{6})?))?`), Example: "LimeSurvey http://www.limesurvey.org"},
		{Name: "survey form", Kind: inMarker, Weight: strong,
			Pattern: re(`^form-(?:id|name)=limesurvey$`), Example: "form-name=limesurvey"},
		{Name: "token or captcha form", Kind: inMarker, Weight: weak,
			Pattern: re(`^(?:form-id=(?:form-token|form-captcha|tokenform)|id=tokenmessage)$`), Example: "form-id=form-token"},
		{Name: "language changer", Kind: inMarker, Weight: strong,
			Pattern: re(`^attr=data-limesurvey-lang$`), Example: "attr=data-limesurvey-lang"},
		{Name: "session cookie", Kind: inCookie, Weight: strong,
			Pattern: re(`^LS-[A-Za-z0-9]{8,32}$`), Example: "LS-ZNIDJBOXUNKXWTIP"},
		{Name: "completion cookie", Kind: inCookie, Weight: strong,
			Pattern: re(`^LS_\d+_STATUS$`), Example: "LS_123456_STATUS"},
		{Name: "limesurvey cookie", Kind: inCookie, Weight: strong,
			Pattern: re(`(?i)limesurvey`), Example: "limesurvey_timezone"},
		{Name: "Yii CSRF field", Kind: inMarker, Weight: weak,
			Pattern: re(`^name=yii_csrf_token$`), Example: "name=yii_csrf_token"},
		{Name: "Yii CSRF cookie", Kind: inCookie, Weight: weak,
			Pattern: re(`^YII_CSRF_TOKEN$`), Example: "YII_CSRF_TOKEN"},
		{Name: "published asset", Kind: inRef, Weight: weak,
			Pattern: re(`/tmp/assets/[0-9a-f]{6,12}/`), Example: "/tmp/assets/5d4e8b2a/jquery.js"},
		{Name: "survey script or style", Kind: inRef, Weight: strong,
			Pattern: re(`/assets/[0-9a-f]{6,12}/survey\.(?:css|js)\b`), Example: "/tmp/assets/1a2b3c4d/survey.css"},
		{Name: "survey theme", Kind: inRef, Weight: weak,
			Pattern: re(`/themes/survey/[^/]+/`), Example: "/themes/survey/vanilla/css/theme.css"},
		{Name: "2.x user template", Kind: inRef, Weight: weak, Generation: "2.x",
			Pattern: re(`/upload/templates/[^/]+/`), Example: "/upload/templates/citronade/template.css"},
		{Name: "2.x expression script", Kind: inRef, Weight: strong, Generation: "2.x",
			Pattern: re(`(?:^|/)scripts/expressions/em_javascript\.js`), Example: "/scripts/expressions/em_javascript.js"},
		{Name: "expression manager", Kind: inRaw, Weight: strong,
			Pattern: re(`\bLEM(?:radix|mode|alias2varName|var2alias)\b`), Example: "var LEMradix = '.';"},
		{Name: "LSvar", Kind: inRaw, Weight: weak,
			Pattern: re(`\bLSvar\b`), Example: "LSvar = LSvar || {};"},
		{Name: "captcha image", Kind: inRef, Weight: weak,
			Pattern: re(`/verification/image\b|[?&]r=verification/image\b`), Example: "/index.php/verification/image/sid/345678"},
		{Name: "survey URL", Kind: inPageURL, Weight: weak,
			Pattern: re(`/index\.php/(?:survey/index/sid/)?\d{4,10}(?:[/?#]|$)`), Example: "https://enquetes.example.fr/index.php/123456?lang=fr"},
		{Name: "survey route", Kind: inPageURL, Weight: weak,
			Pattern: re(`[?&]r=survey/index\b`), Example: "https://x.example/index.php?r=survey/index&sid=123456"},
		{Name: "survey id parameter", Kind: inPageURL, Weight: weak,
			Pattern: re(`[?&]sid=\d{4,10}\b`), Example: "https://x.example/index.php?r=survey/index&sid=123456"},
		{Name: "LimeSurvey Cloud host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)limequery\.(?:com|org|net)$`), Example: "ville.limequery.com"},
		{Name: "powered-by text", Kind: inText, Weight: weak,
			Pattern: re(`(?:powered by|propulsé par|réalisé avec|créé avec) limesurvey`), Example: "questionnaire propulsé par limesurvey"},
		{Name: "version comment", Kind: inComment, Weight: weak, Version: true,
			Pattern: re(`(?i)limesurvey\D{0,40}?(\d+\.\d+\.\d+(?:\+\d{6})?)`), Example: "LimeSurvey 3.28.64+230705"},
		{Name: "version text", Kind: inText, Weight: weak, Version: true,
			Pattern: re(`limesurvey(?: community edition)?\s+(?:version\s+)?v?(\d+\.\d+\.\d+(?:\+\d{6})?)`), Example: "limesurvey community edition version 5.6.68+240625"},
	}},
	{Key: "decidim", Name: "Decidim", Signals: []signal{
		{Name: "generator meta", Kind: inGenerator, Weight: strong, Version: true,
			Pattern: re(`(?i)^decidim\b(?:\D{0,20}?(\d+\.\d+(?:\.\d+)?))?`), Example: "Decidim 0.27.6"},
		{Name: "packs", Kind: inRef, Weight: strong,
			Pattern: re(`/decidim-packs/`), Example: "/decidim-packs/js/decidim_core-4f0b2a.js"},
		{Name: "core pack", Kind: inRef, Weight: strong,
			Pattern: re(`decidim_core[-.]`), Example: "/packs/js/decidim_core-1c2d3e.js"},
		{Name: "sprockets assets", Kind: inRef, Weight: strong,
			Pattern: re(`/assets/decidim/`), Example: "/assets/decidim/decidim_application-5a6b.css"},
		{Name: "versioned asset", Kind: inRef, Weight: weak, Version: true,
			Pattern: re(`decidim[-_/]v?(\d+\.\d+\.\d+)\b`), Example: "https://cdn.example/decidim-0.27.6/app.js"},
		{Name: "decidim cookie", Kind: inCookie, Weight: strong,
			Pattern: re(`^_?decidim[-_]`), Example: "_decidim_session"},
		{Name: "Decidim script", Kind: inRaw, Weight: weak,
			Pattern: re(`\bwindow\.Decidim\b|\bDecidim\.config\.set\(`), Example: "window.Decidim = window.Decidim || {};"},
		{Name: "component URL", Kind: inPageURL, Weight: weak,
			Pattern: re(`/(?:processes|assemblies|conferences|initiatives)/[^/?#]+/f/\d+(?:[/?#]|$)`), Example: "https://x.example/processes/budget/f/12/"},
		{Name: "made-with text", Kind: inText, Weight: weak,
			Pattern: re(`(?:made|built) with decidim|(?:propulsé par|réalisé avec|fait avec) decidim`), Example: "site réalisé avec decidim"},
		{Name: "version comment", Kind: inComment, Weight: weak, Version: true,
			Pattern: re(`(?i)decidim\D{0,20}?(\d+\.\d+\.\d+)`), Example: "Decidim 0.27.6"},
	}},
	{Key: "cap-collectif", Name: "Cap Collectif", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)cap-collectif\.com$`), Example: "ville.cap-collectif.com"},
		{Name: "asset host", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//[^/]*\bcap-collectif\.com(?:[:/]|$)`), Example: "https://assets.cap-collectif.com/js/app.js"},
		{Name: "generator meta", Kind: inGenerator, Weight: strong,
			Pattern: re(`(?i)cap[ -]?collectif`), Example: "Cap Collectif"},
		{Name: "Cap Collectif script", Kind: inRaw, Weight: strong,
			Pattern: re(`\b_capco_execute(?:Analytic|Ads)Script\b`), Example: "window._capco_executeAnalyticScript = function () {"},
		{Name: "powered-by text", Kind: inText, Weight: weak,
			Pattern: re(`(?:propulsé par|powered by|une plateforme) cap[ -]collectif`), Example: "propulsé par cap collectif"},
	}},
	{Key: "fluicity", Name: "Fluicity", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)flui\.city$`), Example: "ville.flui.city"},
		{Name: "asset or API host", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//[^/]*\b(?:flui\.city|fluicity\.[a-z]{2,6})(?:[:/]|$)`), Example: "https://app.flui.city/embed.js"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\bfluicity\b`), Example: "application fluicity"},
	}},
	{Key: "make-org", Name: "Make.org", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)make\.org$`), Example: "www.make.org"},
		{Name: "widget or API host", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:[^/]*\.)?make\.org(?:[:/]|$)`), Example: "https://widget.make.org/?questionSlug=x"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\bmake\.org\b`), Example: "consultation avec make.org"},
	}},
	{Key: "go-vocal", Name: "Go Vocal (CitizenLab)", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)(?:citizenlab\.co|govocal\.com|go-vocal\.com)$`), Example: "ville.citizenlab.co"},
		{Name: "asset or API host", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//[^/]*\b(?:citizenlab\.co|govocal\.com|go-vocal\.com)(?:[:/]|$)`), Example: "https://cl2-front.govocal.com/main.js"},
		{Name: "cl2 cookie", Kind: inCookie, Weight: strong,
			Pattern: re(`^cl2_(?:jwt|consent)$`), Example: "cl2_consent"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\b(?:go vocal|citizenlab)\b`), Example: "plateforme go vocal"},
	}},
	{Key: "id-city", Name: "Id City", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)id-city\.(?:fr|com)$`), Example: "ville.id-city.fr"},
		{Name: "asset or API host", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//[^/]*\bid-city\.(?:fr|com)(?:[:/]|$)`), Example: "https://cdn.id-city.fr/app.js"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\bid[ -]city\b`), Example: "propulsé par id city"},
	}},
	{Key: "framasoft", Name: "Framaforms / Yakforms", Signals: []signal{
		{Name: "Framaforms host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)framaforms\.org$`), Example: "framaforms.org"},
		{Name: "module or profile asset", Kind: inRef, Weight: strong,
			Pattern: re(`/(?:sites/all/modules|profiles|modules)/[^?#]*(?:framaforms|yakforms)`), Example: "/profiles/yakforms/themes/frama/css/style.css"},
		{Name: "embedded form", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:[^/]*\.)?framaforms\.org/`), Example: "https://framaforms.org/mon-questionnaire-1234"},
		{Name: "Drupal webform", Kind: inMarker, Weight: weak,
			Pattern: re(`^class=webform-client-form$`), Example: "class=webform-client-form"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\b(?:yakforms|framaforms)\b`), Example: "créé avec yakforms"},
	}},
	{Key: "google-forms", Name: "Google Forms", Signals: []signal{
		{Name: "form URL", Kind: inPageURL, Weight: strong,
			Pattern: re(`^https?://docs\.google\.com/forms/`), Example: "https://docs.google.com/forms/d/e/1FAIpQLSf/viewform"},
		{Name: "embedded form", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:docs\.google\.com/forms/|forms\.gle/)`), Example: "https://docs.google.com/forms/d/e/1FAIpQLSf/viewform?embedded=true"},
		{Name: "form data", Kind: inRaw, Weight: strong,
			Pattern: re(`\bFB_PUBLIC_LOAD_DATA_\b`), Example: "var FB_PUBLIC_LOAD_DATA_ = [null,"},
	}},
	{Key: "microsoft-forms", Name: "Microsoft Forms", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`^forms\.(?:office\.com|microsoft\.com|cloud\.microsoft)$`), Example: "forms.office.com"},
		{Name: "embedded form", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//forms\.(?:office\.com|microsoft\.com|cloud\.microsoft)/`), Example: "https://forms.office.com/Pages/ResponsePage.aspx?id=abc&embed=true"},
	}},
	{Key: "typeform", Name: "Typeform", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)typeform\.com$`), Example: "ville.typeform.com"},
		{Name: "embedded form or embed script", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:[^/]*\.typeform\.com/(?:to|c)/|embed\.typeform\.com/)`), Example: "//embed.typeform.com/next/embed.js"},
		{Name: "embed attribute", Kind: inMarker, Weight: strong,
			Pattern: re(`^attr=data-tf-(?:widget|live|popup|slider|sidetab|popover)$`), Example: "attr=data-tf-live"},
	}},
	{Key: "tally", Name: "Tally", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`^tally\.so$`), Example: "tally.so"},
		{Name: "embedded form or embed script", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//tally\.so/(?:r|embed|widgets|popup)/`), Example: "https://tally.so/embed/wMqQ2a?alignLeft=1"},
		{Name: "embed attribute", Kind: inMarker, Weight: strong,
			Pattern: re(`^attr=data-tally-(?:src|open)$`), Example: "attr=data-tally-src"},
	}},
	{Key: "surveymonkey", Name: "SurveyMonkey", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)(?:surveymonkey\.(?:com|de|fr|co\.uk|net|ca|eu)|research\.net)$`), Example: "fr.surveymonkey.com"},
		{Name: "embedded survey or widget", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:[^/]*\.)?(?:surveymonkey\.[a-z.]{2,6}|research\.net)/(?:r/|jsembed|jsPopup)|^(?:https?:)?//widget\.surveymonkey\.com/`), Example: "https://widget.surveymonkey.com/collect/website/js/tRaiETqnLgj758hTBazgd.js"},
	}},
	{Key: "kobotoolbox", Name: "KoboToolbox (Enketo)", Signals: []signal{
		{Name: "host", Kind: inHost, Weight: strong,
			Pattern: re(`(?:^|\.)kobotoolbox\.org$`), Example: "ee.kobotoolbox.org"},
		{Name: "embedded form", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)^(?:https?:)?//(?:[^/]*\.)?kobotoolbox\.org/`), Example: "https://ee.kobotoolbox.org/x/AbCdEf"},
		{Name: "Enketo script", Kind: inRef, Weight: strong,
			Pattern: re(`(?i)/js/build/enketo|enketo-(?:webform|core)`), Example: "/js/build/enketo-webform.js"},
		{Name: "Enketo form", Kind: inMarker, Weight: weak,
			Pattern: re(`^attr=data-form-id$`), Example: "attr=data-form-id"},
		{Name: "text", Kind: inText, Weight: weak,
			Pattern: re(`\b(?:powered by enketo|kobotoolbox)\b`), Example: "powered by enketo"},
	}},
}
