package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// requestTimeout bounds one Graph read.
const requestTimeout = 20 * time.Second

// GraphError is a Graph reply that was not a success.
type GraphError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("Microsoft Graph answered %d %s: %s", e.Status, e.Code, e.Message)
}

// get reads one Graph resource into v. The path is appended to the Graph
// URL as written (its parentheses and quotes are Graph's syntax); the query
// is encoded.
func (s *Session) get(ctx context.Context, path string, q url.Values, v any) error {
	if s.token == "" {
		return fmt.Errorf("the admin's session has ended")
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	u := s.graphURL + path
	if len(q) > 0 {
		// Graph reads "$filter" and "$top" literally; spaces as %20.
		u += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		ge := &GraphError{Status: resp.StatusCode}
		if e, ok := defender.ParseAPIError(body); ok {
			ge.Code, ge.Message, ge.RequestID = clean(e.Code), clean(e.Message), clean(e.InnerError.RequestID)
		}
		return ge
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("the reply of Microsoft Graph to %s is not what it documents: %w", path, err)
	}
	return nil
}

// clean is one field a server wrote, as doctor hands it out.
func clean(s string) string { return sanitize.Line(s, sanitize.JSON) }

// odataString quotes a value for a $filter: single quotes, doubled inside.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
