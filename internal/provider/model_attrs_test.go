package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func resourceSchema(t *testing.T, r resource.Resource) schema.Schema {
	t.Helper()
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	return resp.Schema
}

func sslPolicySchema(t *testing.T) schema.Schema { return resourceSchema(t, NewSSLPolicyResource()) }

// TestModelAttrs: each resource model's attrs names every attribute of the resource's schema, each
// once, with the schema's type, and every field of the model but the ssh block.
func TestModelAttrs(t *testing.T) {
	ctx := context.Background()
	var policy sslPolicyResourceModel
	var cert policyCertificateResourceModel
	var binding channelBindingResourceModel
	for _, tc := range []struct {
		r     resource.Resource
		model any
		attrs []modelAttr
	}{
		{NewSSLPolicyResource(), policy, policy.attrs()},
		{NewPolicyCertificateResource(), cert, cert.attrs()},
		{NewChannelBindingResource(), binding, binding.attrs()},
	} {
		rt := reflect.TypeOf(tc.model)
		t.Run(rt.Name(), func(t *testing.T) {
			s := resourceSchema(t, tc.r)
			seen := map[string]bool{}
			for _, a := range tc.attrs {
				sa, ok := s.Attributes[a.name]
				if !ok {
					t.Errorf("attrs names %q, which is not an attribute of the schema", a.name)
					continue
				}
				if seen[a.name] {
					t.Errorf("attrs names %q twice", a.name)
				}
				seen[a.name] = true
				if !sa.GetType().Equal(a.typ) {
					t.Errorf("%s: attrs has type %s, the schema %s", a.name, a.typ, sa.GetType())
				}
				if modelField(a.field) == nil {
					t.Errorf("%s: unsupported field %T", a.name, a.field)
				}
				if a.typ.TerraformType(ctx) == nil {
					t.Errorf("%s: no Terraform type", a.name)
				}
			}
			for name := range s.Attributes {
				if !seen[name] {
					t.Errorf("the schema's attribute %q is missing from attrs", name)
				}
			}
			if len(s.Blocks) != 1 || s.Blocks["ssh"] == nil {
				t.Errorf("the schema's blocks are %v, want only ssh (which attrs leaves to readSSHBlock)", s.Blocks)
			}
			for i := range rt.NumField() {
				tag := rt.Field(i).Tag.Get("tfsdk")
				if tag != "ssh" && !seen[tag] {
					t.Errorf("the model's field %s (%q) is missing from attrs", rt.Field(i).Name, tag)
				}
			}
		})
	}
}

// TestSSLPolicyModelFrom: reading a model straight from a value gives what tfsdk's Get gives, for
// known, null and unknown values, lists with an unknown element, and with and without an ssh block.
func TestSSLPolicyModelFrom(t *testing.T) {
	ctx := context.Background()
	s := sslPolicySchema(t)
	full := sslPolicyResourceModel{
		ID:                 types.StringValue("p"),
		Name:               types.StringValue("p"),
		BaseDirectory:      types.StringUnknown(),
		PrivateKey:         types.StringValue("/home/certificates/p/private.key"),
		PublicCertificate:  types.StringNull(),
		TrustedDir:         types.StringValue("trusted"),
		RevokedDir:         types.StringValue("revoked"),
		ClientAuth:         types.StringNull(),
		TLSVersions:        types.ListValueMust(types.StringType, []attr.Value{types.StringValue("TLSv1.2"), types.StringUnknown()}),
		Ciphers:            types.ListNull(types.StringType),
		TrustAll:           types.BoolValue(false),
		VerifyHostname:     types.BoolUnknown(),
		TrustExpired:       types.BoolNull(),
		AllowKeyGeneration: types.BoolValue(true),
		Owner:              types.StringValue("neo4j"),
		Group:              types.StringNull(),
		Neo4jHome:          types.StringValue("/home"),
		ConfigFile:         types.StringNull(),
		SSH: &sshModel{
			Host: types.StringValue("graph-1"), Port: types.Int64Value(2222), User: types.StringNull(), PrivateKey: types.StringNull(),
			PrivateKeyPassphrase: types.StringNull(), Agent: types.BoolNull(), KnownHosts: types.StringNull(), HostKey: types.StringNull(),
			Sudo: types.BoolValue(true), Timeout: types.StringNull(), AllowSHA1: types.BoolNull(),
		},
		Settings:      types.MapValueMust(types.StringType, map[string]attr.Value{"name": types.StringValue("p"), "owner": types.StringValue("")}),
		Rendered:      types.StringUnknown(),
		Directories:   types.MapUnknown(types.StringType),
		AdoptExisting: types.BoolValue(false),
	}
	noSSH := full
	noSSH.SSH = nil
	noSSH.Settings = types.MapNull(types.StringType)
	for name, m := range map[string]sslPolicyResourceModel{"with ssh": full, "without ssh": noSSH} {
		t.Run(name, func(t *testing.T) {
			plan := tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
			if d := plan.Set(ctx, &m); d.HasError() {
				t.Fatalf("Set: %v", d)
			}
			var want sslPolicyResourceModel
			if d := plan.Get(ctx, &want); d.HasError() {
				t.Fatalf("Get: %v", d)
			}
			got, d := policyModelFrom(ctx, plan.Raw, plan.GetAttribute)
			if d.HasError() {
				t.Fatalf("policyModelFrom: %v", d)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("policyModelFrom gives\n%+v\nGet gives\n%+v", got, want)
			}
		})
	}
	t.Run("null", func(t *testing.T) {
		got, d := policyModelFrom(ctx, tftypes.NewValue(s.Type().TerraformType(ctx), nil), nil)
		if d.HasError() || !got.Name.IsNull() || !got.Settings.IsNull() || got.SSH != nil {
			t.Errorf("a null value gives %+v (%v), want a model of nulls", got, d)
		}
	})
}

// TestSetChangedAttrs: nothing is written when nothing changed (the value stays the very same), and
// otherwise exactly the changed attributes are.
func TestSetChangedAttrs(t *testing.T) {
	ctx := context.Background()
	s := sslPolicySchema(t)
	m := sslPolicyResourceModel{
		ID: types.StringValue("p"), Name: types.StringValue("p"), Rendered: types.StringValue("a=b"),
		TLSVersions: types.ListNull(types.StringType), Ciphers: types.ListNull(types.StringType),
		Settings: types.MapValueMust(types.StringType, map[string]attr.Value{"name": types.StringValue("p")}), Directories: types.MapNull(types.StringType),
	}
	plan := tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := plan.Set(ctx, &m); d.HasError() {
		t.Fatalf("Set: %v", d)
	}
	before := plan.Raw
	was, _ := policyModelFrom(ctx, plan.Raw, plan.GetAttribute)
	same := was
	if d := setChangedAttrs(ctx, &plan, was.attrs(), same.attrs()); d.HasError() {
		t.Fatal(d)
	}
	if !plan.Raw.Equal(before) {
		t.Errorf("an unchanged model changed the value:\n%s\n%s", before, plan.Raw)
	}
	changed := was
	changed.Rendered = types.StringValue("a=c")
	changed.Settings = types.MapValueMust(types.StringType, map[string]attr.Value{"name": types.StringValue("q")})
	if d := setChangedAttrs(ctx, &plan, was.attrs(), changed.attrs()); d.HasError() {
		t.Fatal(d)
	}
	var got sslPolicyResourceModel
	if d := plan.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	want := m
	want.Rendered, want.Settings = changed.Rendered, changed.Settings
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after setChangedAttrs the plan holds\n%+v\nwant\n%+v", got, want)
	}
}

// TestModelValueErrors: a value that does not have the schema's shape (which Terraform never sends) is
// refused with an error rather than read as nulls.
func TestModelValueErrors(t *testing.T) {
	ctx := context.Background()
	_, d := policyModelFrom(ctx, tftypes.NewValue(tftypes.String, "not an object"), nil)
	wantSummary(t, "not an object", d, "E:Unexpected Resource Value")

	var name types.String
	obj := map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.Number, 1)}
	d = readModelAttrs(ctx, obj, []modelAttr{{"name", types.StringType, &name}})
	wantSummary(t, "a number for a string", d, "E:Unexpected Resource Value")

	var list types.List
	obj = map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "p")}
	d = readModelAttrs(ctx, obj, []modelAttr{{"name", types.StringType, &list}})
	wantSummary(t, "a string into a list field", d, "E:Unexpected Resource Value")
}
