package apiclient

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"piiri/api"
)

// The endpoints, each a method named after what it does; docs/api.md
// describes them and who may call them.

// Me is GET /api/v1/me: who the token is.
func (c *Client) Me(ctx context.Context) (api.Me, error) {
	var out api.Me
	return out, c.do(ctx, http.MethodGet, "/api/v1/me", nil, nil, &out)
}

// Groups is GET /api/v1/groups: every group for the admin, with its count.
func (c *Client) Groups(ctx context.Context) ([]api.GroupSummary, error) {
	var out []api.GroupSummary
	return out, c.do(ctx, http.MethodGet, "/api/v1/groups", nil, nil, &out)
}

// Group is GET /api/v1/groups/{group}: the group page (settings, people,
// their links for those who manage, the programme).
func (c *Client) Group(ctx context.Context, group string) (api.GroupPage, error) {
	var out api.GroupPage
	return out, c.do(ctx, http.MethodGet, "/api/v1/groups/"+seg(group), nil, nil, &out)
}

// CreateGroup is POST /api/v1/groups.
func (c *Client) CreateGroup(ctx context.Context, in api.CreateGroupRequest) (api.Group, error) {
	var out api.Group
	return out, c.do(ctx, http.MethodPost, "/api/v1/groups", nil, in, &out)
}

// AddPerson is POST /api/v1/groups/{group}/people: the person and their
// new personal link.
func (c *Client) AddPerson(ctx context.Context, group string, in api.PersonRequest) (api.PersonLink, error) {
	var out api.PersonLink
	return out, c.do(ctx, http.MethodPost, "/api/v1/groups/"+seg(group)+"/people", nil, in, &out)
}

// Links is GET /api/v1/groups/{group}/links: everyone with their link
// (nil when revoked).
func (c *Client) Links(ctx context.Context, group string) ([]api.PersonLink, error) {
	var out []api.PersonLink
	return out, c.do(ctx, http.MethodGet, "/api/v1/groups/"+seg(group)+"/links", nil, nil, &out)
}

// ReissueLink is POST /api/v1/people/{person}/link: a new link; the old
// one stops working.
func (c *Client) ReissueLink(ctx context.Context, person string) (api.Link, error) {
	var out api.Link
	return out, c.do(ctx, http.MethodPost, "/api/v1/people/"+seg(person)+"/link", nil, nil, &out)
}

// RevokeLink is DELETE /api/v1/people/{person}/link.
func (c *Client) RevokeLink(ctx context.Context, person string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/people/"+seg(person)+"/link", nil, nil, nil)
}

// Programme is GET /api/v1/groups/{group}/meetings.
func (c *Client) Programme(ctx context.Context, group string) (api.Programme, error) {
	var out api.Programme
	return out, c.do(ctx, http.MethodGet, "/api/v1/groups/"+seg(group)+"/meetings", nil, nil, &out)
}

// PlanProgramme is POST /api/v1/groups/{group}/programme: the rest of the
// programme from the group's settings, the first meeting at in.First.
func (c *Client) PlanProgramme(ctx context.Context, group string, in api.PlanRequest) (api.Programme, error) {
	var out api.Programme
	return out, c.do(ctx, http.MethodPost, "/api/v1/groups/"+seg(group)+"/programme", nil, in, &out)
}

// Templates is GET /api/v1/templates.
func (c *Client) Templates(ctx context.Context) ([]api.Template, error) {
	var out []api.Template
	return out, c.do(ctx, http.MethodGet, "/api/v1/templates", nil, nil, &out)
}

// GroupReport is GET /api/v1/groups/{group}/report.
func (c *Client) GroupReport(ctx context.Context, group string) (api.Report, error) {
	var out api.Report
	return out, c.do(ctx, http.MethodGet, "/api/v1/groups/"+seg(group)+"/report", nil, nil, &out)
}

// Overview is GET /api/v1/report: every group's count and attendance per
// organisation.
func (c *Client) Overview(ctx context.Context) (api.Overview, error) {
	var out api.Overview
	return out, c.do(ctx, http.MethodGet, "/api/v1/report", nil, nil, &out)
}

// CSV chooses a report's CSV table and separator; empty fields are the
// server's defaults (the first table; ",").
type CSV struct {
	Table string // meetings, people, organisations; for the overview groups, organisations
	Sep   string // comma or semicolon
}

func (o CSV) query() url.Values {
	q := url.Values{}
	if o.Table != "" {
		q.Set("table", o.Table)
	}
	if o.Sep != "" {
		q.Set("sep", o.Sep)
	}
	return q
}

// GroupReportCSV is GET /api/v1/groups/{group}/report.csv, written to w
// byte for byte (UTF-8 with a byte-order mark, CRLF line ends).
func (c *Client) GroupReportCSV(ctx context.Context, group string, o CSV, w io.Writer) error {
	return c.download(ctx, "/api/v1/groups/"+seg(group)+"/report.csv", o.query(), "text/csv", w)
}

// OverviewCSV is GET /api/v1/report.csv, written to w byte for byte.
func (c *Client) OverviewCSV(ctx context.Context, o CSV, w io.Writer) error {
	return c.download(ctx, "/api/v1/report.csv", o.query(), "text/csv", w)
}
