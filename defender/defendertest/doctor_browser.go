package defendertest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	signInLinkRE = regexp.MustCompile(`id="(accept|cancel)" href="([^"]+)"`)
	formActionRE = regexp.MustCompile(`<form method="POST" name="hiddenform" action="([^"]+)">`)
	formFieldRE  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)" />`)
)

// AdminBrowser plays the tenant's admin in a browser for the interactive
// sign-in: it opens the sign-in page, clicks Accept (or Cancel when accept
// is false), and posts the form Entra ID answers with to the loopback
// redirect URI, as a browser runs the page's script. client must trust the
// fake's CA. Open returns at once; the sign-in completes in the background,
// like a browser's.
type AdminBrowser struct {
	Client *http.Client
	Accept bool
	// Err, when set, receives what went wrong in the background.
	Err func(error)
}

// Open visits url.
func (b AdminBrowser) Open(rawURL string) error {
	go func() {
		if err := b.visit(context.Background(), rawURL); err != nil && b.Err != nil {
			b.Err(err)
		}
	}()
	return nil
}

func (b AdminBrowser) visit(ctx context.Context, rawURL string) error {
	page, err := b.fetch(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("sign-in page: %w", err)
	}
	want := "cancel"
	if b.Accept {
		want = "accept"
	}
	var link string
	for _, m := range signInLinkRE.FindAllStringSubmatch(page, -1) {
		if m[1] == want {
			link = html.UnescapeString(m[2])
		}
	}
	if link == "" {
		return fmt.Errorf("the sign-in page offers no %s link", want)
	}
	form, err := b.fetch(ctx, http.MethodGet, link, nil)
	if err != nil {
		return fmt.Errorf("sign-in decision: %w", err)
	}
	action := formActionRE.FindStringSubmatch(form)
	if action == nil {
		return fmt.Errorf("the sign-in answered no form to post")
	}
	fields := url.Values{}
	for _, f := range formFieldRE.FindAllStringSubmatch(form, -1) {
		fields.Set(f[1], html.UnescapeString(f[2]))
	}
	_, err = b.fetch(ctx, http.MethodPost, html.UnescapeString(action[1]), fields)
	return err
}

func (b AdminBrowser) fetch(ctx context.Context, method, rawURL string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s", resp.Request.URL.Host, resp.Status)
	}
	return string(page), nil
}
