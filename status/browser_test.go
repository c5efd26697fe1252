package status_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser scripts/test installed (CHROMIUM_PATH) or one
// on the PATH, and skips loudly when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: no chromium on this machine, so the status page was not checked in a browser; scripts/test installs it with apt-get")
	return ""
}

// browser starts headless Chromium with the flags a closed network needs.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="40" height="40" rx="8" fill="#24292f"/><text x="50" y="27" font-family="sans-serif" font-size="20" font-weight="700" fill="#24292f">Acme</text></svg>`

// TestStatusPageInABrowser opens the page as a visitor would, at a desktop
// and a phone width, and checks what they see. UPDATE_SCREENSHOTS=1 writes
// the screenshots the README shows.
func TestStatusPageInABrowser(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	seed(f)
	mux := http.NewServeMux()
	for _, p := range []string{"GET /status", "GET /status.json", "GET /status/feed.atom"} {
		mux.Handle(p, f.page)
	}
	mux.HandleFunc("GET /logo.svg", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(logoSVG))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f.settings.LogoURL = srv.URL + "/logo.svg"

	for _, c := range []struct {
		name          string
		width, height int64
		mobile        bool
		shot          string
	}{
		{"desktop", 1280, 900, false, "status-desktop.png"},
		{"phone", 375, 812, true, "status-phone.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			emulate := chromedp.EmulateViewport(c.width, c.height)
			if c.mobile {
				emulate = chromedp.EmulateViewport(c.width, c.height, chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			if err := chromedp.Do(ctx, emulate, chromedp.Navigate(srv.URL+"/status"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
				t.Fatalf("open the page at %s width: %v", c.name, err)
			}
			text := func(sel string) string {
				t.Helper()
				v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("read %s: %v", sel, err)
				}
				return v
			}
			number := func(js string) int64 {
				t.Helper()
				v, err := chromedp.Run(ctx, chromedp.Evaluate[int64](js))
				if err != nil {
					t.Fatalf("evaluate %s: %v", js, err)
				}
				return v
			}
			h1, banner, components := text("h1"), text(".banner h2"), text(".components")
			altAttr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("header img"), "alt"))
			if err != nil {
				t.Fatal(err)
			}
			alt := altAttr.Value
			logoWidth := number(`document.querySelector("header img").naturalWidth`)
			scrollWidth := number(`document.documentElement.scrollWidth`)
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if h1 != "Acme status" || !strings.Contains(banner, "Major outage") || alt != "Acme logo" {
				t.Errorf("visitor sees heading %q, banner %q, logo alt %q", h1, banner, alt)
			}
			if logoWidth == 0 {
				t.Errorf("the logo did not load")
			}
			for _, want := range []string{"Checkout", "Major outage", "Payments", "99.88% uptime", "Operational"} {
				if !strings.Contains(components, want) {
					t.Errorf("components as seen lack %q: %q", want, components)
				}
			}
			if scrollWidth > c.width {
				t.Errorf("the page is %d px wide in a %d px window: it scrolls sideways", scrollWidth, c.width)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if w := int64(img.Bounds().Dx()); w != c.width {
				t.Errorf("screenshot is %d px wide, want %d", w, c.width)
			}
			if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
				out := filepath.Join("..", "docs", "img", c.shot)
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(out, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", out)
			}
		})
	}
}
