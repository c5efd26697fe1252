package config_test

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/config"
)

// catalogFile is a realistic file of n services, each with aliases, owners,
// a PagerDuty key from the environment, dashboards, runbooks and a status
// component, plus severities, cadences and marks.
func catalogFile(n int) []byte {
	areas := []string{"checkout", "payments", "search", "auth", "catalog", "orders", "shipping", "inventory", "reviews", "ledger"}
	var b strings.Builder
	b.WriteString("services:\n")
	for i := range n {
		area := areas[i%len(areas)]
		name := fmt.Sprintf("%s-%03d", area, i)
		fmt.Fprintf(&b, "  - name: %s # team %d\n", name, i/10)
		fmt.Fprintf(&b, "    aliases: [%s-api-%d, %s%d]\n", area, i, area[:3], i)
		fmt.Fprintf(&b, "    owners: [U%07dA, U%07dB, S%07dC]\n", i, i, i)
		fmt.Fprintf(&b, "    pagerduty: env:PD_%s_%d_KEY\n", strings.ToUpper(area), i)
		b.WriteString("    dashboards:\n")
		fmt.Fprintf(&b, "      - name: %s overview\n        url: https://grafana.example.com/d/%s\n", name, name)
		fmt.Fprintf(&b, "      - name: %s errors\n        url: https://grafana.example.com/d/%s-errors?orgId=1&from=now-6h\n", name, name)
		fmt.Fprintf(&b, "    runbooks: [%s, %s 500, %s-latency.md]\n", area, area, area)
		fmt.Fprintf(&b, "    status_component: %s %d\n", strings.ToUpper(area[:1])+area[1:], i)
	}
	b.WriteString(`severities:
  P1: {description: Customers cannot pay or sign in}
  P2: {description: A core feature is degraded for many customers}
  P3: {description: A minor feature is broken}
  P4: {description: No customer impact yet}
cadences: {P1: 20m, P2: 30m, P3: 2h, P4: 0}
marks: {pushpin: key_event, bulb: hypothesis, white_check_mark: action, rotating_light: impact, rewind: decision}
`)
	return []byte(b.String())
}

// BenchmarkCheck200Services is `incidentbot config check` on a 200-service
// file, less the process start: parse, validate, and look for unset env:
// references.
func BenchmarkCheck200Services(b *testing.B) {
	data := catalogFile(200)
	if c, err := config.Parse("incidentbot.yaml", data); err != nil || len(c.Catalog) != 200 {
		b.Fatalf("the generated file does not pass: %v", err)
	}
	getenv := func(string) string { return "" }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := config.Parse("incidentbot.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Unset(getenv)) != 200 {
			b.Fatal("Unset missed a reference")
		}
	}
}

// BenchmarkYAMLNode200Services is the baseline for the check: the YAML
// library's own parse of the same file into a yaml.Node, which the check
// starts from and cannot avoid.
func BenchmarkYAMLNode200Services(b *testing.B) {
	data := catalogFile(200)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			b.Fatal(err)
		}
	}
}
