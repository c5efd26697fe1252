package slackemu

import "slices"

// userGroup is a workspace user group (a "@handle" that mentions a team).
type userGroup struct {
	id, handle string
	members    []string
}

// AddUserGroup adds a user group, e.g. AddUserGroup("S0CHECKOUT",
// "checkout-oncall", "U1", "U2"), or replaces the one with that ID.
// usergroups.users.list returns its members in this order.
func (e *Emulator) AddUserGroup(id, handle string, members ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.groups[id] = &userGroup{id: id, handle: handle, members: slices.Clone(members)}
}

// usergroupsUsersList answers as Slack does: every member at once (the
// method has no paging), no_such_subteam for an unknown ID.
func (e *Emulator) usergroupsUsersList(r *apiReq) (result, *apiError) {
	g, ok := e.groups[r.get("usergroup")]
	if !ok {
		return nil, fail("no_such_subteam")
	}
	users := slices.Clone(g.members)
	if users == nil {
		users = []string{}
	}
	return result{"users": users}, nil
}
