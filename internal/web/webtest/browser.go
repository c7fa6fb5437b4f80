package webtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserTimeout bounds a whole browser test: starting Chromium and
// loading every page takes a few seconds; minutes mean it hangs.
const browserTimeout = 3 * time.Minute

// Chromium returns the path of the browser, skipping the test when it is
// missing outside CI (.ci/run installs Debian's chromium).
func Chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it with apt-get install chromium")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser test")
	return ""
}

// ScreenshotDir returns artifacts/screenshots at the repository's root.
func ScreenshotDir(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "artifacts", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// NewBrowser starts a headless Chromium for the test, with a profile of
// its own, and returns its context, bounded by browserTimeout.
func NewBrowser(t testing.TB) context.Context {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	ctx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser, which lives as long as ctx: no
	// timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancel)
	return ctx
}

// A Browser is one tab driven by a test; each method fails the test on
// error.
type Browser struct {
	T     testing.TB
	Ctx   context.Context
	Base  string // the dashboard's URL, without a trailing slash
	Shots string // where Shoot saves screenshots
}

// Do runs steps.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.T.Fatalf("%s: %v", what, err)
	}
}

// Navigate loads path and returns the status of its final response.
func (b *Browser) Navigate(path string) int64 {
	b.T.Helper()
	res, err := chromedp.RunResponse(b.Ctx, chromedp.Navigate(b.Base+path))
	if err != nil {
		b.T.Fatalf("opening %s: %v", path, err)
	}
	return res.Status
}

// Open loads path and waits until the element ready is visible.
func (b *Browser) Open(path, ready string) {
	b.T.Helper()
	if status := b.Navigate(path); status != 200 {
		b.T.Fatalf("opening %s: status %d", path, status)
	}
	b.Do("opening "+path, chromedp.WaitVisible(chromedp.CSS(ready)))
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.T.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.T.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// Text returns the text of the first element sel selects.
func (b *Browser) Text(sel string) string {
	b.T.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.T.Fatalf("reading %s: %v", sel, err)
	}
	return v
}

// Shoot saves a screenshot of the whole page as name.png.
func (b *Browser) Shoot(name string) {
	b.T.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.T.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.Shots, name+".png"), png, 0o644); err != nil {
		b.T.Fatal(err)
	}
}

// ShootScreen saves a screenshot of what the screen shows as name.png:
// for a long page on a narrow screen, whose whole would be too large.
func (b *Browser) ShootScreen(name string) {
	b.T.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.T.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.Shots, name+".png"), png, 0o644); err != nil {
		b.T.Fatal(err)
	}
}

// Media emulates a CSS media type ("print"; "" for the screen).
func (b *Browser) Media(m string) {
	b.T.Helper()
	if _, err := chromedp.Call(b.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		b.T.Fatal(err)
	}
}

// SaveDownloads lets the browser save files in a directory of the test,
// and returns a function that waits for the next download to complete and
// returns its bytes.
func SaveDownloads(b *Browser) func() []byte {
	b.T.Helper()
	dir := b.T.TempDir()
	done := make(chan string, 8)
	err := chromedp.ListenBrowser(b.Ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			done <- e.GUID
		}
	})
	if err != nil {
		b.T.Fatal(err)
	}
	yes := true
	if _, err := chromedp.CallBrowser(b.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes}); err != nil {
		b.T.Fatal(err)
	}
	return func() []byte {
		b.T.Helper()
		select {
		case guid := <-done:
			data, err := os.ReadFile(filepath.Join(dir, guid))
			if err != nil {
				b.T.Fatal(err)
			}
			return data
		case <-b.Ctx.Done():
			b.T.Fatal("no download completed")
		}
		return nil
	}
}
