// strict-decode reads Kubernetes objects (a YAML stream) on stdin and decodes each one into its Go
// API type with unknown fields refused, as `kubectl apply --validate=strict` does on a server. The
// JSON-schema check (kubernetes-models) does not refuse unknown fields, so a misspelt field such
// as `readinesProbe` would otherwise pass silently. It prints one line per problem and exits 1 if
// there was any.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		os.Exit(2)
	}
	reader := yamlutil.NewYAMLReader(bufioReader(input))
	problems := 0
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Printf("document %d: %v\n", index, err)
			problems++
			break
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta typeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			fmt.Printf("document %d: %v\n", index, err)
			problems++
			continue
		}
		if meta.APIVersion == "" && meta.Kind == "" {
			continue // a comment-only document
		}
		gvk := schema.FromAPIVersionAndKind(meta.APIVersion, meta.Kind)
		obj, err := scheme.Scheme.New(gvk)
		if err != nil {
			fmt.Printf("%s %s: unknown kind (%v)\n", meta.Kind, meta.Metadata.Name, err)
			problems++
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			fmt.Printf("%s %s: %v\n", meta.Kind, meta.Metadata.Name, err)
			problems++
		}
	}
	if problems > 0 {
		os.Exit(1)
	}
}
