package api

// routes is every endpoint. Adding one is a line here and a handler: the
// pattern (Go ServeMux, with the method), who may call it (documented;
// control decides), and read/write/action with the handler, whose types
// are the wire types docs/api.md shows.
func (a *API) routes() []route {
	return []route{
		{"GET /api/v1/me", whoAnyone, read(a.me)},
		{"POST /api/v1/me/agreement", whoAnyPerson, write(a.acceptAgreement)},

		{"GET /api/v1/groups", whoAnyone, read(a.listGroups)},
		{"POST /api/v1/groups", whoAdmin, write(a.createGroup).created()},
		{"GET /api/v1/groups/{group}", whoGroup, read(a.groupPage)},
		{"PATCH /api/v1/groups/{group}", whoManage, write(a.updateGroup)},
		{"PUT /api/v1/groups/{group}/agreement", whoManage, write(a.setAgreement)},
		{"POST /api/v1/groups/{group}/handover", whoFacilitator, write(a.handOverGroup)},
		{"POST /api/v1/groups/{group}/themes", whoProposer, write(a.proposeTheme).created()},
		{"POST /api/v1/groups/{group}/people", whoManage, write(a.addPerson).created()},
		{"GET /api/v1/groups/{group}/links", whoManage, read(a.links)},
		{"GET /api/v1/groups/{group}/meetings", whoGroup, read(a.programme)},
		{"POST /api/v1/groups/{group}/meetings", whoManage, write(a.addMeeting).created()},
		{"POST /api/v1/groups/{group}/programme", whoManage, write(a.planProgramme).created()},
		{"GET /api/v1/groups/{group}/task", whoGroup, read(a.currentTask)},
		{"GET /api/v1/groups/{group}/feedback", whoGroup, read(a.groupFeedback)},
		{"GET /api/v1/groups/{group}/report", whoManage, read(a.groupReport)},
		{"GET /api/v1/groups/{group}/report.csv", whoManage, read(a.groupReportCSV)},

		{"PATCH /api/v1/people/{person}", whoSelf, write(a.updatePerson)},
		{"DELETE /api/v1/people/{person}", whoSelf, action(a.removePerson)},
		{"PUT /api/v1/people/{person}/role", whoManage, write(a.setRole)},
		{"GET /api/v1/people/{person}/link", whoSelf, read(a.link)},
		{"POST /api/v1/people/{person}/link", whoSelf, action(a.reissueLink)},
		{"DELETE /api/v1/people/{person}/link", whoSelf, action(a.revokeLink)},
		{"GET /api/v1/people/{person}/data", whoSelf, read(a.personData)},

		{"GET /api/v1/meetings/{meeting}", whoGroup, read(a.meeting)},
		{"PATCH /api/v1/meetings/{meeting}", whoManage + " (its chair: phases only)", write(a.updateMeeting)},
		{"POST /api/v1/meetings/{meeting}/move", whoManage, write(a.moveMeeting)},
		{"POST /api/v1/meetings/{meeting}/cancel", whoManage, action(a.cancelMeeting)},
		{"POST /api/v1/meetings/{meeting}/open", whoRun, action(a.openMeeting)},
		{"POST /api/v1/meetings/{meeting}/start", whoRun, action(a.startMeeting)},
		{"POST /api/v1/meetings/{meeting}/end", whoRun, action(a.endMeeting)},
		{"PUT /api/v1/meetings/{meeting}/chair", whoManage, write(a.setChair)},
		{"PUT /api/v1/meetings/{meeting}/theme", whoManage, write(a.chooseTheme)},
		{"PUT /api/v1/meetings/{meeting}/rsvps/{person}", whoSelf, write(a.setRSVP)},
		{"GET /api/v1/meetings/{meeting}/attendance", whoGroup, read(a.attendance)},
		{"GET /api/v1/meetings/{meeting}/live", whoGroup, read(a.live)},
		{"POST /api/v1/meetings/{meeting}/live/next-phase", whoRun, action(a.nextPhase)},
		{"POST /api/v1/meetings/{meeting}/live/previous-phase", whoRun, action(a.previousPhase)},
		{"POST /api/v1/meetings/{meeting}/live/next-speaker", whoRun, action(a.nextSpeaker)},
		{"POST /api/v1/meetings/{meeting}/live/pass", whoMember + " (their own turn)", action(a.pass)},
		{"POST /api/v1/meetings/{meeting}/live/skip", whoRun, write(a.skip)},
		{"POST /api/v1/meetings/{meeting}/live/extra-turn", whoRun, write(a.extraTurn)},
		{"PUT /api/v1/meetings/{meeting}/live/order", whoRun, write(a.reorder)},
		{"POST /api/v1/meetings/{meeting}/live/extend", whoRun, write(a.extend)},
		{"PUT /api/v1/meetings/{meeting}/task", whoRun, write(a.setTask)},
		{"GET /api/v1/meetings/{meeting}/task", whoGroup, read(a.meetingTask)},
		{"PUT /api/v1/meetings/{meeting}/task/note", whoMember + " (their own note)", write(a.writeTaskNote)},
		{"POST /api/v1/meetings/{meeting}/feedback", whoMember + " who were at the meeting", write(a.submitFeedback)},
		{"GET /api/v1/meetings/{meeting}/feedback", whoGroup, read(a.meetingFeedback)},
		{"GET /api/v1/meetings/{meeting}/consent", whoPerson, read(a.myConsent)},
		{"PUT /api/v1/meetings/{meeting}/consent", whoPerson, write(a.setConsent)},
		{"GET /api/v1/meetings/{meeting}/consent/log", whoGroup + " (a person: their own answers)", read(a.consentLog)},
		{"POST /api/v1/meetings/{meeting}/recording/start", whoRun, action(a.startRecording)},
		{"POST /api/v1/meetings/{meeting}/recording/stop", whoRun, action(a.stopRecording)},
		{"POST /api/v1/meetings/{meeting}/poll", whoManage, write(a.proposeTimes).created()},
		{"DELETE /api/v1/meetings/{meeting}/poll", whoManage, action(a.withdrawPoll)},
		{"PUT /api/v1/meetings/{meeting}/poll/marks", whoPerson, write(a.markTimes)},
		{"POST /api/v1/meetings/{meeting}/poll/pick", whoManage, write(a.pickTime)},

		{"GET /api/v1/templates", whoAnyone, read(a.templates)},
		{"PUT /api/v1/templates/{template}", whoAdmin, write(a.putTemplate)},
		{"DELETE /api/v1/templates/{template}", whoAdmin, action(a.deleteTemplate)},

		{"GET /api/v1/report", whoAdmin, read(a.overview)},
		{"GET /api/v1/report.csv", whoAdmin, read(a.overviewCSV)},
		{"POST /api/v1/admin/token", whoAdmin, action(a.reissueAdminToken)},

		{"GET /cal/{file}", whoFeed, read(a.feed).feed()},
		{"GET /cal/{token}/{file}", whoFeed, read(a.meetingFile).feed()},
	}
}
