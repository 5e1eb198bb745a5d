package notify

import "piiri/control"

// texts are the phrases of every message in one language. (The web
// client's strings live in its language files; these are written by the
// server into e-mails.) Each %s and %d is noted where it is not obvious.
type texts struct {
	// hello is the greeting. Finnish goes on in lower case after its
	// comma (as Kielitoimisto advises); Swedish and English begin the
	// next sentence with a capital.
	hello     string // %s: the person's name
	theme     string
	time      string
	number    string // "Meeting %d of %d"
	organiser string
	footer    string // %s: the group

	inviteSubject  string // %s: the group
	reissueSubject string // %s: the group
	invited        string // %s: the group, %s: one of roles
	roles          map[control.Role]string
	reissued       string // %s: the group
	yourLink       string
	next           string
	noMeeting      string
	attached       string
	subscribe      string

	reminderSubject string // %s: the group, %s: the short time
	reminderIntro   string // %s: the group
	yourAnswer      string // %s: one of answers
	answers         map[control.Answer]string
	noAnswer        string
	staleAnswer     string
	reached         string // %d coming, %d quorum
	needed          string // %d coming, %d more, %d quorum
	answerHere      string
	sameLink        string

	movedSubject  string // %s: the group, %s: the new short time
	movedIntro    string // %s: the group
	newTime       string
	oldTime       string
	answerAgain   string
	attachedMoved string

	cancelledSubject  string // %s: the group, %s: the short time
	cancelledIntro    string // %s: the group
	attachedCancelled string
	otherMeetings     string

	// Dates: weekdays from Sunday, months from January (English only:
	// Finnish and Swedish write dates in numbers), long and short.
	weekdays, shortWeekdays [7]string
	months, shortMonths     [12]string
}

func textsFor(l control.Language) texts {
	switch l {
	case control.Finnish:
		return finnish()
	case control.Swedish:
		return swedish()
	}
	return english()
}

func english() texts {
	return texts{
		hello:     "Hello %s,",
		theme:     "Theme",
		time:      "Time",
		number:    "Meeting %d of %d",
		organiser: "Organiser",
		footer:    "This message comes from the meeting service of the group “%s”. The link in it is personal: please do not forward it.",

		inviteSubject:  "Invitation: %s",
		reissueSubject: "Your new link: %s",
		invited:        "You have been added to the group “%s” as %s.",
		roles:          map[control.Role]string{control.RoleMember: "a member", control.RoleFacilitator: "a facilitator", control.RoleObserver: "an observer"},
		reissued:       "You have a new personal link to the group “%s”. The old link no longer works.",
		yourLink:       "Your personal link to the group’s page, where you answer whether you are coming and join the meetings. Keep it to yourself: it is your key.",
		next:           "The next meeting",
		noMeeting:      "No meetings are planned yet; you will see them on the group’s page.",
		attached:       "The meeting is attached as a calendar file.",
		subscribe:      "To have all of the group’s meetings in your calendar, and kept up to date, subscribe to this calendar:",

		reminderSubject: "Reminder: %s, %s",
		reminderIntro:   "This is a reminder of the next meeting of the group “%s”.",
		yourAnswer:      "Your answer: %s.",
		answers:         map[control.Answer]string{control.Coming: "coming", control.NotComing: "not coming", control.Maybe: "maybe"},
		noAnswer:        "You have not answered yet.",
		staleAnswer:     "You answered for the meeting’s earlier time; please answer again.",
		reached:         "%d coming: the quorum of %d is reached.",
		needed:          "%d coming: %d more needed for the quorum of %d.",
		answerHere:      "Answer, or change your answer, here:",
		sameLink:        "You join the meeting from the same link.",

		movedSubject:  "Meeting moved: %s, %s",
		movedIntro:    "The meeting of the group “%s” has moved.",
		newTime:       "New time",
		oldTime:       "Old time",
		answerAgain:   "Answers given for the old time no longer count. Please answer again:",
		attachedMoved: "The updated calendar entry is attached.",

		cancelledSubject:  "Meeting cancelled: %s, %s",
		cancelledIntro:    "The meeting of the group “%s” is cancelled.",
		attachedCancelled: "The attached calendar file marks it cancelled in your calendar.",
		otherMeetings:     "The group’s other meetings are as planned:",

		weekdays:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		shortWeekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months:        [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		shortMonths:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
}

func finnish() texts {
	return texts{
		hello:     "Hei %s,",
		theme:     "Teema",
		time:      "Aika",
		number:    "Tapaaminen %d/%d",
		organiser: "Järjestäjä",
		footer:    "Tämä viesti tulee ryhmän ”%s” tapaamispalvelusta. Viestin linkki on henkilökohtainen: älä välitä sitä eteenpäin.",

		inviteSubject:  "Kutsu: %s",
		reissueSubject: "Uusi linkkisi: %s",
		invited:        "sinut on lisätty ryhmään ”%s” %s.",
		roles:          map[control.Role]string{control.RoleMember: "jäseneksi", control.RoleFacilitator: "ohjaajaksi", control.RoleObserver: "havainnoijaksi"},
		reissued:       "sinulle on luotu uusi henkilökohtainen linkki ryhmään ”%s”. Vanha linkki ei enää toimi.",
		yourLink:       "Henkilökohtainen linkkisi ryhmän sivulle. Siellä kerrot, tuletko tapaamisiin, ja liityt niihin. Älä anna linkkiä muille: se on avaimesi.",
		next:           "Seuraava tapaaminen",
		noMeeting:      "Tapaamisia ei ole vielä suunniteltu. Näet ne ryhmän sivulla.",
		attached:       "Tapaaminen on liitteenä kalenteritiedostona.",
		subscribe:      "Kun tilaat tämän kalenterin, kaikki ryhmän tapaamiset näkyvät kalenterissasi ja pysyvät ajan tasalla:",

		reminderSubject: "Muistutus: %s, %s",
		reminderIntro:   "tässä muistutus ryhmän ”%s” seuraavasta tapaamisesta.",
		yourAnswer:      "Vastauksesi: %s.",
		answers:         map[control.Answer]string{control.Coming: "tulen", control.NotComing: "en tule", control.Maybe: "ehkä"},
		noAnswer:        "Et ole vielä vastannut.",
		staleAnswer:     "Vastauksesi koski tapaamisen aiempaa aikaa. Vastaa uudelleen.",
		reached:         "Tulossa %d: vähimmäismäärä (%d) on koossa.",
		needed:          "Tulossa %d: tarvitaan vielä %d, jotta vähimmäismäärä (%d) täyttyy.",
		answerHere:      "Vastaa tai muuta vastaustasi täällä:",
		sameLink:        "Liityt tapaamiseen samasta linkistä.",

		movedSubject:  "Tapaaminen siirretty: %s, %s",
		movedIntro:    "ryhmän ”%s” tapaaminen on siirretty.",
		newTime:       "Uusi aika",
		oldTime:       "Vanha aika",
		answerAgain:   "Vanhaan aikaan annetut vastaukset eivät ole enää voimassa. Vastaa uudelleen:",
		attachedMoved: "Päivitetty kalenterimerkintä on liitteenä.",

		cancelledSubject:  "Tapaaminen peruttu: %s, %s",
		cancelledIntro:    "ryhmän ”%s” tapaaminen on peruttu.",
		attachedCancelled: "Liitteenä oleva kalenteritiedosto merkitsee sen peruutetuksi kalenteriisi.",
		otherMeetings:     "Ryhmän muut tapaamiset pysyvät ennallaan:",

		weekdays:      [7]string{"sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"},
		shortWeekdays: [7]string{"su", "ma", "ti", "ke", "to", "pe", "la"},
	}
}

func swedish() texts {
	return texts{
		hello:     "Hej %s!",
		theme:     "Tema",
		time:      "Tid",
		number:    "Träff %d av %d",
		organiser: "Arrangör",
		footer:    "Det här meddelandet kommer från mötestjänsten för gruppen ”%s”. Länken i det är personlig: vidarebefordra det inte.",

		inviteSubject:  "Inbjudan: %s",
		reissueSubject: "Din nya länk: %s",
		invited:        "Du har lagts till i gruppen ”%s” som %s.",
		roles:          map[control.Role]string{control.RoleMember: "medlem", control.RoleFacilitator: "handledare", control.RoleObserver: "observatör"},
		reissued:       "Du har fått en ny personlig länk till gruppen ”%s”. Den gamla länken fungerar inte längre.",
		yourLink:       "Din personliga länk till gruppens sida. Där svarar du om du kommer och deltar i träffarna. Ge inte länken till andra: den är din nyckel.",
		next:           "Nästa träff",
		noMeeting:      "Inga träffar är planerade ännu. Du ser dem på gruppens sida.",
		attached:       "Träffen finns bifogad som kalenderfil.",
		subscribe:      "Prenumerera på den här kalendern så har du alla gruppens träffar i din kalender, alltid uppdaterade:",

		reminderSubject: "Påminnelse: %s, %s",
		reminderIntro:   "Det här är en påminnelse om nästa träff i gruppen ”%s”.",
		yourAnswer:      "Ditt svar: %s.",
		answers:         map[control.Answer]string{control.Coming: "jag kommer", control.NotComing: "jag kommer inte", control.Maybe: "kanske"},
		noAnswer:        "Du har inte svarat ännu.",
		staleAnswer:     "Ditt svar gällde träffens tidigare tid. Svara igen.",
		reached:         "%d kommer: minimiantalet (%d) är uppnått.",
		needed:          "%d kommer: det behövs %d till för att nå minimiantalet (%d).",
		answerHere:      "Svara eller ändra ditt svar här:",
		sameLink:        "Du deltar i träffen via samma länk.",

		movedSubject:  "Träffen har flyttats: %s, %s",
		movedIntro:    "Träffen i gruppen ”%s” har flyttats.",
		newTime:       "Ny tid",
		oldTime:       "Tidigare tid",
		answerAgain:   "Svar som gavs för den gamla tiden gäller inte längre. Svara igen:",
		attachedMoved: "Den uppdaterade kalenderposten är bifogad.",

		cancelledSubject:  "Träffen är inställd: %s, %s",
		cancelledIntro:    "Träffen i gruppen ”%s” är inställd.",
		attachedCancelled: "Den bifogade kalenderfilen markerar den som inställd i din kalender.",
		otherMeetings:     "Gruppens övriga träffar blir av som planerat:",

		weekdays:      [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
		shortWeekdays: [7]string{"sön", "mån", "tis", "ons", "tors", "fre", "lör"},
	}
}
