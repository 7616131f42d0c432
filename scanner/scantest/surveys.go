package scantest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"path"
	"strings"
)

// readOnlyMethod answers 405 to any method but GET and HEAD, as the lab's
// consultation hosts do: vigie must never submit an answer, and a request
// that tried is in the lab's log (Lab.Requests). It reports whether it
// answered.
func readOnlyMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return false
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "lab: this consultation only answers GET and HEAD", http.StatusMethodNotAllowed)
	return true
}

// surveyPages maps HostSurveys' survey paths to their files (which
// scanner/survey's tests read too, through Page).
var surveyPages = map[string]string{
	"/index.php/123456": "/limesurvey-open.html",
	"/index.php/234567": "/limesurvey-token.html",
	"/index.php/345678": "/limesurvey-captcha.html",
}

// surveysDynamic answers every path of HostSurveys: the three LimeSurvey
// surveys with LimeSurvey's session and CSRF cookies, the captcha image,
// empty theme assets, and 404 for anything else.
func surveysDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if readOnlyMethod(w, r) {
		return true
	}
	p := r.URL.Path
	switch {
	case surveyPages[p] != "":
		http.SetCookie(w, &http.Cookie{Name: "LS-ZNIDJBOXUNKXWTIP", Value: randomID(13), Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "YII_CSRF_TOKEN", Value: randomID(20), Path: "/"})
		return s.serveFile(w, r, HostSurveys, surveyPages[p])
	case strings.HasPrefix(p, "/index.php/verification/image/"):
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(captchaPNG())
	case strings.HasPrefix(p, "/tmp/assets/"), strings.HasPrefix(p, "/themes/survey/"):
		emptyAsset(w, p)
	default:
		http.NotFound(w, r)
	}
	return true
}

// decidimDynamic answers every path of HostDecidim: the participatory
// process, its sign-in page, empty asset packs, and 404 for anything else.
func decidimDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if readOnlyMethod(w, r) {
		return true
	}
	p := r.URL.Path
	switch {
	case p == "/":
		http.Redirect(w, r, DecidimPath, http.StatusFound)
	case p == DecidimPath:
		http.SetCookie(w, &http.Cookie{Name: "_session_id", Value: randomID(16), Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return s.serveFile(w, r, HostDecidim, "/decidim.html")
	case p == "/users/sign_in":
		return s.serveFile(w, r, HostDecidim, "/users/sign_in.html")
	case strings.HasPrefix(p, "/decidim-packs/"):
		emptyAsset(w, p)
	default:
		http.NotFound(w, r)
	}
	return true
}

// emptyAsset answers an empty stylesheet, script or image placeholder.
func emptyAsset(w http.ResponseWriter, p string) {
	w.Header().Set("Content-Type", contentType(path.Ext(p)))
	w.WriteHeader(http.StatusOK)
}

// captchaPNG is the lab's captcha image: a small grey PNG.
func captchaPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 60, 20))
	for x := range 60 {
		img.SetGray(x, 10, color.Gray{Y: 128})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
