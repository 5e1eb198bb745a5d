package controltest

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"piiri/control"
)

func sortBy[T any, K cmp.Ordered](s []T, key func(T) K) {
	slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}

func asField(err error) (*control.FieldError, bool) {
	var fe *control.FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

type contextT = context.Context

func errorsIs(err, target error) bool { return errors.Is(err, target) }
