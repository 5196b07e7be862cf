package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A no-op plan calls ValidateResourceConfig, UpgradeResourceState, ReadResource and
// PlanResourceChange for every resource, so what those do per call is multiplied by the resource
// count. tfsdk's Get and Set of a whole model go through the framework's reflection (which compiles a
// regular expression per struct field on every call), and each Set or SetAttribute rebuilds the whole
// value; a plan or read that changes nothing should pay for neither. modelAttr lists a model's
// top-level attributes (not its blocks) with their framework types, so the hot paths read them straight
// from the request's tftypes.Value and write back only the attributes whose value changed.

// modelAttr is one top-level attribute of a model: its schema name, its type, and the model field
// that holds it (a *types.String, *types.Bool, *types.Int64, *types.List, *types.Set or *types.Map).
type modelAttr struct {
	name  string
	typ   attr.Type
	field any
}

// rawObject is a request's config, plan or state as its attributes, unconverted; nil when the whole
// value is null or unknown.
func rawObject(v tftypes.Value) (map[string]tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	if v.IsNull() || !v.IsKnown() {
		return nil, diags
	}
	var out map[string]tftypes.Value
	if err := v.As(&out); err != nil {
		diags.Append(diagUnexpectedResourceValue.plain("The resource's value is not an object, which is a bug in the provider or Terraform: " + err.Error()))
	}
	return out, diags
}

// readModelAttrs sets each attribute's model field from obj, as tfsdk's Get would: null, unknown or
// the value, converted by the attribute's own type.
func readModelAttrs(ctx context.Context, obj map[string]tftypes.Value, attrs []modelAttr) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, a := range attrs {
		raw, ok := obj[a.name]
		if !ok {
			raw = tftypes.NewValue(a.typ.TerraformType(ctx), nil)
		}
		v, err := a.typ.ValueFromTerraform(ctx, raw)
		if err == nil {
			err = setModelField(a.field, v)
		}
		if err != nil {
			diags.Append(diagUnexpectedResourceValue.attr(path.Root(a.name),
				fmt.Sprintf("The value of %s cannot be read, which is a bug in the provider or Terraform: %s", a.name, err)))
		}
	}
	return diags
}

func setModelField(field any, v attr.Value) error {
	var ok bool
	switch f := field.(type) {
	case *types.String:
		*f, ok = v.(types.String)
	case *types.Bool:
		*f, ok = v.(types.Bool)
	case *types.List:
		*f, ok = v.(types.List)
	case *types.Map:
		*f, ok = v.(types.Map)
	case *types.Set:
		*f, ok = v.(types.Set)
	case *types.Int64:
		*f, ok = v.(types.Int64)
	default:
		return fmt.Errorf("unsupported model field %T", field)
	}
	if !ok {
		return fmt.Errorf("unexpected value %T for a model field %T", v, field)
	}
	return nil
}

func modelField(field any) attr.Value {
	switch f := field.(type) {
	case *types.String:
		return *f
	case *types.Bool:
		return *f
	case *types.List:
		return *f
	case *types.Map:
		return *f
	case *types.Set:
		return *f
	case *types.Int64:
		return *f
	}
	return nil
}

// readModel fills a model from a config, plan or state value: attrs from the value itself, the ssh
// block (when ssh is not nil) through get, only when it is set. A null value gives nulls.
func readModel(ctx context.Context, raw tftypes.Value, get func(context.Context, path.Path, any) diag.Diagnostics, attrs []modelAttr, ssh **sshModel) diag.Diagnostics {
	obj, diags := rawObject(raw)
	if diags.HasError() {
		return diags
	}
	diags.Append(readModelAttrs(ctx, obj, attrs)...)
	if ssh != nil {
		diags.Append(readSSHBlock(ctx, obj, get, ssh)...)
	}
	return diags
}

// readSSHBlock reads the optional ssh block of a config, plan or state into *m, through the framework
// only when the block is set (it is null for most resources).
func readSSHBlock(ctx context.Context, obj map[string]tftypes.Value, get func(context.Context, path.Path, any) diag.Diagnostics, m **sshModel) diag.Diagnostics {
	*m = nil
	if v, ok := obj["ssh"]; !ok || v.IsNull() {
		return nil
	}
	return get(ctx, path.Root("ssh"), m)
}

// attrSetter is tfsdk.Plan or tfsdk.State.
type attrSetter interface {
	SetAttribute(ctx context.Context, p path.Path, val any) diag.Diagnostics
}

var (
	_ attrSetter = (*tfsdk.Plan)(nil)
	_ attrSetter = (*tfsdk.State)(nil)
)

// setChangedAttrs writes to dst each attribute whose value in now differs from its value in was (the
// two lists describe the same attributes of two models, in the same order). It writes nothing when
// nothing changed.
func setChangedAttrs(ctx context.Context, dst attrSetter, was, now []modelAttr) diag.Diagnostics {
	var diags diag.Diagnostics
	for i, a := range now {
		v := modelField(a.field)
		if v.Equal(modelField(was[i].field)) {
			continue
		}
		diags.Append(dst.SetAttribute(ctx, path.Root(a.name), v)...)
	}
	return diags
}
