package httpx

// The request bodies of the records more than one area reads: a civilian
// (the civil routes, and the ERS bridge's pedestrians), a call (the
// dispatch routes), and the ERS bridge's one body, which carries either.
// The areas turn them into their services' inputs.

// CivilianIn is a character as members and game servers send it.
type CivilianIn struct {
	FirstName      LooseString       `json:"firstName"`
	MiddleName     LooseString       `json:"middleName"`
	LastName       LooseString       `json:"lastName"`
	DateOfBirth    LooseString       `json:"dateOfBirth"`
	Dob            LooseString       `json:"dob"`
	Gender         LooseString       `json:"gender"`
	Sex            LooseString       `json:"sex"`
	Race           LooseString       `json:"race"`
	HairColor      LooseString       `json:"hairColor"`
	EyeColor       LooseString       `json:"eyeColor"`
	Height         LooseString       `json:"height"`
	Weight         LooseString       `json:"weight"`
	Address        LooseString       `json:"address"`
	Phone          LooseString       `json:"phone"`
	SecondaryPhone LooseString       `json:"secondaryPhone"`
	Occupation     LooseString       `json:"occupation"`
	BloodType      LooseString       `json:"bloodType"`
	Allergies      LooseString       `json:"allergies"`
	Medications    LooseString       `json:"medications"`
	Nationality    LooseString       `json:"nationality"`
	PlaceOfBirth   LooseString       `json:"placeOfBirth"`
	MugshotURL     LooseString       `json:"mugshotUrl"`
	SSN            LooseString       `json:"ssn"`
	Identifier     LooseString       `json:"identifier"`
	CitizenID      LooseString       `json:"citizenid"`
	DiscordID      LooseString       `json:"discordId"`
	Extra          map[string]string `json:"extra"`
	// Framework fields the sync resources send beside the record.
	Account      LooseString `json:"account"`
	Registration LooseString `json:"registration"`
	Job          LooseString `json:"job"`
}

// CallIn is a call as dispatchers and the game send it.
type CallIn struct {
	CallType     LooseString `json:"callType"`
	Location     LooseString `json:"location"`
	Postal       LooseString `json:"postal"`
	CallerName   LooseString `json:"callerName"`
	Caller       LooseString `json:"caller"`
	CallerNumber LooseString `json:"callerNumber"`
	Description  LooseString `json:"description"`
	Priority     LooseString `json:"priority"`
	Source       LooseString `json:"source"`
	ServerName   LooseString `json:"serverName"`
	Coordinates  LooseCoords `json:"coordinates"`
	Coords       LooseCoords `json:"coords"`
	X            LooseFloat  `json:"x"`
	Y            LooseFloat  `json:"y"`
	Z            LooseFloat  `json:"z"`
	CharacterID  LooseString `json:"characterId"`
}

// ERSIn is every ERS request's body: the fields of the one it is. Its
// discordId is the unit's; the civilian's is not read from it.
type ERSIn struct {
	CallIn
	ERSCalloutID LooseString `json:"ersCalloutId"`
	DiscordID    LooseString `json:"discordId"`
	CallSign     LooseString `json:"callSign"`
	ServiceType  LooseString `json:"serviceType"`
	Plate        LooseString `json:"plate"`
	// civilian
	CivilianIn
	CivID         LooseString `json:"civId"`
	PedID         LooseString `json:"pedId"`
	MDTCivilianID LooseString `json:"mdtCivilianId"`
	LicenseCar    LooseBool   `json:"license_car_is_valid"`
	DLStatus      LooseString `json:"driversLicenseStatus"`
	// vehicle
	Make      LooseString `json:"make"`
	Model     LooseString `json:"model"`
	Color     LooseString `json:"color"`
	Year      LooseInt    `json:"year"`
	OwnerName LooseString `json:"ownerName"`
	Stolen    LooseBool   `json:"stolen"`
	Insurance LooseBool   `json:"insurance"`
	BOLO      LooseBool   `json:"bolo"`
	BOLODesc  LooseString `json:"boloDescription"`
}

// FirstSet is the first of the fields that was sent, for an update: nil
// when none was.
func FirstSet(vs ...LooseString) *string {
	for _, v := range vs {
		if v.Set {
			return v.Ptr()
		}
	}
	return nil
}
