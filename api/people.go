package api

import (
	"errors"
	"time"

	"piiri/control"
)

// PersonRequest adds a person to a group.
type PersonRequest struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Email        string `json:"email"`
	Language     string `json:"language"` // default the group's
	Role         string `json:"role"`     // facilitator, member, observer
}

func (r *PersonRequest) validate() error {
	switch {
	case r.Name == "":
		return invalid("name", "is required")
	case r.Role == "":
		return invalid("role", "is required: facilitator, member or observer")
	}
	return nil
}

// PersonPatch changes a person's details; absent fields stay.
type PersonPatch struct {
	Name         *string `json:"name"`
	Organisation *string `json:"organisation"`
	Email        *string `json:"email"`
	Language     *string `json:"language"`
}

// RoleRequest sets a person's role.
type RoleRequest struct {
	Role string `json:"role"`
}

func (r *RoleRequest) validate() error {
	if r.Role == "" {
		return invalid("role", "is required: facilitator, member or observer")
	}
	return nil
}

// PersonLink is a person with their link (nil when revoked).
type PersonLink struct {
	Person Person `json:"person"`
	Link   *Link  `json:"link"`
}

func (a *API) addPerson(c *call, in *PersonRequest) (PersonLink, error) {
	gid := c.pathValue("group")
	p, l, err := a.svc.AddPerson(c.ctx, c.p, gid, control.PersonInput{
		Name: in.Name, Organisation: in.Organisation, Email: in.Email,
		Language: control.Language(in.Language), Role: control.Role(in.Role),
	})
	if err != nil {
		return PersonLink{}, err
	}
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return PersonLink{}, err
	}
	loc := zoneOf(gv.Group.TimeZone)
	return PersonLink{Person: personOut(p, gv.Group.Agreement.Version, loc), Link: a.linkOut(l, loc)}, nil
}

func (a *API) links(c *call) ([]PersonLink, error) {
	gid := c.pathValue("group")
	pls, err := a.svc.Links(c.ctx, c.p, gid)
	if err != nil {
		return nil, err
	}
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return nil, err
	}
	loc := zoneOf(gv.Group.TimeZone)
	out := make([]PersonLink, 0, len(pls))
	for _, pl := range pls {
		out = append(out, PersonLink{Person: personOut(pl.Person, gv.Group.Agreement.Version, loc), Link: a.linkOut(pl.Link, loc)})
	}
	return out, nil
}

// personResult renders a person after a change, with their group's
// agreement version and zone.
func (a *API) personResult(c *call, p control.Person, err error) (Person, error) {
	if err != nil {
		return Person{}, err
	}
	gv, err := a.svc.Group(c.ctx, c.p, p.GroupID)
	if err != nil {
		return Person{}, err
	}
	return personOut(p, gv.Group.Agreement.Version, zoneOf(gv.Group.TimeZone)), nil
}

func (a *API) updatePerson(c *call, in *PersonPatch) (Person, error) {
	patch := control.PersonPatch{Name: in.Name, Organisation: in.Organisation, Email: in.Email}
	if in.Language != nil {
		l := control.Language(*in.Language)
		patch.Language = &l
	}
	p, err := a.svc.UpdatePerson(c.ctx, c.p, c.pathValue("person"), patch)
	return a.personResult(c, p, err)
}

func (a *API) setRole(c *call, in *RoleRequest) (Person, error) {
	p, err := a.svc.SetRole(c.ctx, c.p, c.pathValue("person"), control.Role(in.Role))
	return a.personResult(c, p, err)
}

// ResearchRequest grants a person the study of the group's meetings
// (their recordings and turn index), or takes it back.
type ResearchRequest struct {
	Granted *bool `json:"granted"`
}

func (r *ResearchRequest) validate() error {
	if r.Granted == nil {
		return invalid("granted", "is required: true or false")
	}
	return nil
}

func (a *API) grantResearch(c *call, in *ResearchRequest) (Person, error) {
	p, err := a.svc.GrantResearch(c.ctx, c.p, c.pathValue("person"), *in.Granted)
	return a.personResult(c, p, err)
}

func (a *API) removePerson(c *call) (noContent, error) {
	return noContent{}, a.svc.RemovePerson(c.ctx, c.p, c.pathValue("person"))
}

// linkResult renders a link after it was read or reissued. Its issue
// time is in UTC: the link endpoints do not read the group.
func (a *API) linkResult(l control.Link, err error) (Link, error) {
	if err != nil {
		return Link{}, err
	}
	out := a.linkOut(l, time.UTC)
	if out == nil {
		return Link{}, errors.New("api: link without a token")
	}
	return *out, nil
}

func (a *API) link(c *call) (Link, error) {
	return a.linkResult(a.svc.Link(c.ctx, c.p, c.pathValue("person")))
}

func (a *API) reissueLink(c *call) (Link, error) {
	return a.linkResult(a.svc.ReissueLink(c.ctx, c.p, c.pathValue("person")))
}

func (a *API) revokeLink(c *call) (noContent, error) {
	return noContent{}, a.svc.RevokeLink(c.ctx, c.p, c.pathValue("person"))
}

// PersonData is everything stored about a person (control.PersonData),
// for them to see and download. Times are UTC.
type PersonData = control.PersonData

func (a *API) personData(c *call) (PersonData, error) {
	return a.svc.PersonData(c.ctx, c.p, c.pathValue("person"))
}

// Erased says how much was erased.
type Erased struct {
	Stretches int `json:"stretches"` // of speech
}

func (a *API) eraseSpeech(c *call) (Erased, error) {
	n, err := a.svc.EraseSpeech(c.ctx, c.p, c.pathValue("person"))
	return Erased{Stretches: n}, err
}
