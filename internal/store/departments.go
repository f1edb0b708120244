package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/precinct-cad/precinct/internal/cad"
)

const collDepartments = "departments"

type departmentDoc struct {
	ID               bson.ObjectID `bson:"_id"`
	CommunityID      string        `bson:"communityId"`
	Code             string        `bson:"code"`
	Name             string        `bson:"name"`
	Type             string        `bson:"type"`
	CallSignTemplate string        `bson:"callSignTemplate,omitempty"`
	BlipColor        int           `bson:"blipColor"`
	BlipSprite       int           `bson:"blipSprite"`
	Paycheck         int64         `bson:"paycheck"`
	CreatedAt        time.Time     `bson:"createdAt"`
}

func (d *departmentDoc) department() *cad.Department {
	return &cad.Department{ID: d.ID.Hex(), CommunityID: d.CommunityID, Code: d.Code, Name: d.Name, Type: d.Type,
		CallSignTemplate: d.CallSignTemplate, BlipColor: d.BlipColor, BlipSprite: d.BlipSprite, Paycheck: d.Paycheck,
		CreatedAt: d.CreatedAt.UTC()}
}

func departmentFields(dep *cad.Department) bson.D {
	return bson.D{
		{Key: "code", Value: dep.Code}, {Key: "name", Value: dep.Name}, {Key: "type", Value: dep.Type},
		{Key: "callSignTemplate", Value: dep.CallSignTemplate}, {Key: "blipColor", Value: dep.BlipColor},
		{Key: "blipSprite", Value: dep.BlipSprite}, {Key: "paycheck", Value: dep.Paycheck},
	}
}

var errDepartmentNotFound = cad.Errorf(cad.ENOTFOUND, "Department not found")

func dupDepartment(err error) error {
	if mongo.IsDuplicateKeyError(err) {
		return cad.Wrap(cad.ECONFLICT, err, "A department with that code exists already")
	}
	return mapErr(err)
}

// CreateDepartment stores a department of a community; a taken code is a
// conflict.
func (db *DB) CreateDepartment(ctx context.Context, communityID string, dep *cad.Department) error {
	d := departmentDoc{ID: bson.NewObjectID(), CommunityID: communityID, Code: dep.Code, Name: dep.Name, Type: dep.Type,
		CallSignTemplate: dep.CallSignTemplate, BlipColor: dep.BlipColor, BlipSprite: dep.BlipSprite, Paycheck: dep.Paycheck,
		CreatedAt: time.Now().UTC()}
	if _, err := db.collection(collDepartments).InsertOne(ctx, d); err != nil {
		return dupDepartment(err)
	}
	*dep = *d.department()
	return nil
}

// Departments lists a community's departments by code.
func (db *DB) Departments(ctx context.Context, communityID string) ([]*cad.Department, error) {
	return findAll(ctx, db.collection(collDepartments), bson.D{{Key: "communityId", Value: communityID}},
		(*departmentDoc).department, options.Find().SetSort(bson.D{{Key: "code", Value: 1}}))
}

// Department returns one department of a community; another community's is
// not_found, like a missing one (R64).
func (db *DB) Department(ctx context.Context, communityID, id string) (*cad.Department, error) {
	oid, ok := objectID(id)
	if !ok {
		return nil, errDepartmentNotFound
	}
	return findOne(ctx, db.collection(collDepartments), bson.D{{Key: "_id", Value: oid}, {Key: "communityId", Value: communityID}},
		errDepartmentNotFound, (*departmentDoc).department)
}

// UpdateDepartment replaces a department's fields.
func (db *DB) UpdateDepartment(ctx context.Context, communityID string, dep *cad.Department) (*cad.Department, error) {
	oid, ok := objectID(dep.ID)
	if !ok {
		return nil, errDepartmentNotFound
	}
	var d departmentDoc
	err := db.collection(collDepartments).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: oid}, {Key: "communityId", Value: communityID}},
		bson.D{{Key: "$set", Value: departmentFields(dep)}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errDepartmentNotFound
	}
	if err != nil {
		return nil, dupDepartment(err)
	}
	return d.department(), nil
}

// DeleteDepartment deletes one department of a community.
func (db *DB) DeleteDepartment(ctx context.Context, communityID, id string) error {
	oid, ok := objectID(id)
	if !ok {
		return errDepartmentNotFound
	}
	res, err := db.collection(collDepartments).DeleteOne(ctx, bson.D{{Key: "_id", Value: oid}, {Key: "communityId", Value: communityID}})
	if err != nil {
		return mapErr(err)
	}
	if res.DeletedCount == 0 {
		return errDepartmentNotFound
	}
	return nil
}
