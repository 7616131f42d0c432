package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func TestZZProbeDOM(t *testing.T) {
	_, b, _ := labBrowser(t)
	for _, p := range []string{scantest.BannerC15t} {
		res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://" + scantest.HostBanners + p, Name: "x", Capture: true})
		h := string(res.Page.HTML)
		if i := strings.Index(h, "</style>"); i > 0 {
			h = h[i:]
		}
		fmt.Println(h)
	}
}
