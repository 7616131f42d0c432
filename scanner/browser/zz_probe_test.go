package browser

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func TestZZProbeBanners(t *testing.T) {
	_, b, _ := labBrowser(t)
	for _, p := range []string{scantest.BannerReactCookieConsent, scantest.BannerOsano, scantest.BannerOrejime, scantest.BannerC15t, scantest.BannerUsercentrics, scantest.BannerSourcepoint, scantest.BannerNoCookieFR, scantest.BannerNoCookieDE, scantest.BannerNoCookieEN, scantest.BannerShadow, scantest.BannerNotification} {
		res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://" + scantest.HostBanners + p, Name: "x"})
		d, _ := json.Marshal(res.Visit.Banner)
		fmt.Println("PROBE", p, res.Visit.Error, string(d))
	}
}
