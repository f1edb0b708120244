package store

import (
	"context"
	"errors"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Memberships have the natural _id communityId:userId, so the look-up done
// on every scoped request is an _id look-up.
const collMembers = "members"

type memberDoc struct {
	ID          string    `bson:"_id"`
	CommunityID string    `bson:"communityId"`
	UserID      string    `bson:"userId"`
	Username    string    `bson:"username"`
	UsernameKey string    `bson:"usernameKey"`
	Role        string    `bson:"role"`
	Departments []string  `bson:"departments"`
	CallSign    string    `bson:"callSign,omitempty"`
	Status      string    `bson:"status"`
	JoinedAt    time.Time `bson:"joinedAt"`
}

func memberID(communityID, userID string) string { return communityID + ":" + userID }

func (d *memberDoc) member() *cad.Membership {
	deps := d.Departments
	if deps == nil {
		deps = []string{}
	}
	return &cad.Membership{CommunityID: d.CommunityID, UserID: d.UserID, Username: d.Username, Role: d.Role,
		Departments: deps, CallSign: d.CallSign, Status: d.Status, JoinedAt: d.JoinedAt.UTC()}
}

var errMemberNotFound = cad.Errorf(cad.ENOTFOUND, "Member not found")

// AddMember joins a user to a community; already a member is a conflict.
func (db *DB) AddMember(ctx context.Context, m *cad.Membership) error {
	if m.Departments == nil {
		m.Departments = []string{}
	}
	d := memberDoc{ID: memberID(m.CommunityID, m.UserID), CommunityID: m.CommunityID, UserID: m.UserID,
		Username: m.Username, UsernameKey: cad.NormalizeUsername(m.Username), Role: m.Role, Departments: m.Departments,
		CallSign: m.CallSign, Status: m.Status, JoinedAt: time.Now().UTC()}
	if _, err := db.collection(collMembers).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return cad.Wrap(cad.ECONFLICT, err, "The user is already a member")
		}
		return mapErr(err)
	}
	*m = *d.member()
	return nil
}

// Member returns a user's membership of a community, or not_found.
func (db *DB) Member(ctx context.Context, communityID, userID string) (*cad.Membership, error) {
	return findOne(ctx, db.collection(collMembers), bson.D{
		{Key: "_id", Value: memberID(communityID, userID)}, {Key: "communityId", Value: communityID},
	}, errMemberNotFound, (*memberDoc).member)
}

// MembershipsOfUser lists a user's memberships in every community.
func (db *DB) MembershipsOfUser(ctx context.Context, userID string) ([]*cad.Membership, error) {
	return findAll(ctx, db.collection(collMembers), bson.D{{Key: "userId", Value: userID}}, (*memberDoc).member)
}

// MemberFilter narrows a member listing.
type MemberFilter struct {
	Role       string
	Department string
	Name       string // a case-insensitive substring of the username
	Offset     int
	Limit      int
}

// Members lists a community's members by username.
func (db *DB) Members(ctx context.Context, communityID string, f MemberFilter) ([]*cad.Membership, error) {
	filter := bson.D{{Key: "communityId", Value: communityID}}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "role", Value: f.Role})
	}
	if f.Department != "" {
		filter = append(filter, bson.E{Key: "departments", Value: f.Department})
	}
	if f.Name != "" {
		filter = append(filter, bson.E{Key: "usernameKey", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(cad.NormalizeUsername(f.Name))}}})
	}
	return findAll(ctx, db.collection(collMembers), filter, (*memberDoc).member, options.Find().
		SetSort(bson.D{{Key: "usernameKey", Value: 1}}).SetSkip(int64(f.Offset)).SetLimit(int64(f.Limit)))
}

// CountMembers counts a community's memberships (banned ones included).
// The count is read, never stored, so it cannot drift from the members.
func (db *DB) CountMembers(ctx context.Context, communityID string) (int, error) {
	n, err := db.collection(collMembers).CountDocuments(ctx, bson.D{{Key: "communityId", Value: communityID}})
	return int(n), mapErr(err)
}

// CountAdmins counts a community's active admins.
func (db *DB) CountAdmins(ctx context.Context, communityID string) (int64, error) {
	n, err := db.collection(collMembers).CountDocuments(ctx, bson.D{
		{Key: "communityId", Value: communityID}, {Key: "role", Value: cad.RoleAdmin}, {Key: "status", Value: cad.MemberActive},
	})
	return n, mapErr(err)
}

// MemberUpdate lists what a change sets; nil means unchanged.
type MemberUpdate struct {
	Role        *string
	Departments *[]string
	CallSign    *string
	Status      *string
}

// UpdateMember changes one membership of a community.
func (db *DB) UpdateMember(ctx context.Context, communityID, userID string, up MemberUpdate) (*cad.Membership, error) {
	set := bson.D{}
	if up.Role != nil {
		set = append(set, bson.E{Key: "role", Value: *up.Role})
	}
	if up.Departments != nil {
		set = append(set, bson.E{Key: "departments", Value: *up.Departments})
	}
	if up.CallSign != nil {
		set = append(set, bson.E{Key: "callSign", Value: *up.CallSign})
	}
	if up.Status != nil {
		set = append(set, bson.E{Key: "status", Value: *up.Status})
	}
	if len(set) == 0 {
		return db.Member(ctx, communityID, userID)
	}
	var d memberDoc
	err := db.collection(collMembers).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: memberID(communityID, userID)}, {Key: "communityId", Value: communityID}},
		bson.D{{Key: "$set", Value: set}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errMemberNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return d.member(), nil
}

// RemoveMember ends a membership.
func (db *DB) RemoveMember(ctx context.Context, communityID, userID string) error {
	res, err := db.collection(collMembers).DeleteOne(ctx, bson.D{
		{Key: "_id", Value: memberID(communityID, userID)}, {Key: "communityId", Value: communityID},
	})
	if err != nil {
		return mapErr(err)
	}
	if res.DeletedCount == 0 {
		return errMemberNotFound
	}
	return nil
}

// RemoveDepartmentFromMembers takes a deleted department's code off every
// member of the community.
func (db *DB) RemoveDepartmentFromMembers(ctx context.Context, communityID, code string) error {
	_, err := db.collection(collMembers).UpdateMany(ctx,
		bson.D{{Key: "communityId", Value: communityID}, {Key: "departments", Value: code}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "departments", Value: code}}}})
	return mapErr(err)
}
