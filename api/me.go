package api

import "piiri/control"

// Me is who the token belongs to: what a page needs to know first.
type Me struct {
	// Role is admin, facilitator, member or observer.
	Role string `json:"role"`
	// Manage: may manage the group (facilitators and the admin).
	Manage bool        `json:"manage"`
	Person *Person     `json:"person,omitempty"`
	Group  *GroupBrief `json:"group,omitempty"`
	// Agreement is the group's current agreement and whether the person
	// accepted it; a member page shows it until they do.
	Agreement *MyAgreement `json:"agreement,omitempty"`
	Link      *Link        `json:"link,omitempty"`
}

// GroupBrief names a group.
type GroupBrief struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	TimeZone string `json:"timeZone"`
}

// MyAgreement is the agreement as one person sees it.
type MyAgreement struct {
	Version  int    `json:"version"`
	Text     string `json:"text"`
	Accepted bool   `json:"accepted"`
}

// AcceptRequest accepts the agreement's version as shown.
type AcceptRequest struct {
	Version *int `json:"version"`
}

func (r *AcceptRequest) validate() error {
	if r.Version == nil {
		return invalid("version", "is required: the version of the agreement that was shown")
	}
	return nil
}

func (a *API) me(c *call) (Me, error) {
	if c.p.IsAdmin() {
		return Me{Role: "admin", Manage: true}, nil
	}
	groups, err := a.svc.Groups(c.ctx, c.p)
	if err != nil {
		return Me{}, err
	}
	if len(groups) != 1 {
		return Me{}, errInternal
	}
	gv, err := a.svc.Group(c.ctx, c.p, groups[0].ID)
	if err != nil {
		return Me{}, err
	}
	return a.meOf(c, gv)
}

func (a *API) meOf(c *call, gv control.GroupView) (Me, error) {
	g := gv.Group
	loc := zoneOf(g.TimeZone)
	var self control.Person
	for _, p := range gv.People {
		if p.ID == gv.YourID {
			self = p
		}
	}
	l, err := a.svc.Link(c.ctx, c.p, self.ID)
	if err != nil {
		return Me{}, err
	}
	person := personOut(self, g.Agreement.Version, loc)
	return Me{
		Role: string(self.Role), Manage: self.Role == control.RoleFacilitator, Person: &person,
		Group:     &GroupBrief{ID: g.ID, Name: g.Name, Language: string(g.Language), TimeZone: g.TimeZone},
		Agreement: &MyAgreement{Version: g.Agreement.Version, Text: g.Agreement.Text, Accepted: self.HasAccepted(g.Agreement.Version)},
		Link:      a.linkOut(l, loc),
	}, nil
}

// acceptAgreement records the acting person's acceptance and answers
// with their Me.
func (a *API) acceptAgreement(c *call, in *AcceptRequest) (Me, error) {
	if _, err := a.svc.AcceptAgreement(c.ctx, c.p, *in.Version); err != nil {
		return Me{}, err
	}
	return a.me(c)
}

// AdminToken is a new admin token.
type AdminToken struct {
	Token string `json:"token"`
}

func (a *API) reissueAdminToken(c *call) (AdminToken, error) {
	tok, err := a.svc.ReissueAdminToken(c.ctx, c.p)
	if err != nil {
		return AdminToken{}, err
	}
	return AdminToken{Token: tok}, nil
}

// pathValue is a path wildcard; the mux guarantees it is not empty.
func (c *call) pathValue(name string) string { return c.r.PathValue(name) }
