package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain"
)

func (a *app) examCommand() *cobra.Command {
	c := &cobra.Command{Use: "exam", Short: "The examination catalogue", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List examinations and whether digital summons is enabled (R1)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			var out []examJSON
			for _, e := range cfg.Catalogue().Exams() {
				out = append(out, examJSON{Code: e.Code, Name: e.Name, DurationMinutes: int(e.Duration / time.Minute),
					Digital: e.Digital, Stage: e.Stage, Preparation: e.Preparation})
			}
			if asJSON {
				return writeJSON(a.stdout, out)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, a.T("cli_hdr_exams"))
			for _, e := range out {
				ch := a.T("ch_paper")
				if e.Digital {
					ch = a.T("ch_digital")
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", e.Code, e.Name, e.DurationMinutes, e.Stage, ch)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(list)
	return c
}

func (a *app) siteCommand() *cobra.Command {
	c := &cobra.Command{Use: "site", Short: "The hospitals", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List sites with visiting address and directions link", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			var out []siteJSON
			for _, s := range cfg.Catalogue().Sites() {
				out = append(out, siteJSON{Code: s.Code, Name: s.Name, Street: s.Street, PostalCode: s.PostalCode,
					City: s.City, DirectionsURL: s.DirectionsURL})
			}
			if asJSON {
				return writeJSON(a.stdout, out)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, a.T("cli_hdr_sites"))
			for _, s := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s, %s %s\t%s\n", s.Code, s.Name, s.Street, s.PostalCode, s.City, s.DirectionsURL)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(list)
	return c
}

func (a *app) configCommand() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Configuration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var asJSON bool
	show := &cobra.Command{
		Use: "show", Short: "Print the effective configuration (defaults, file and environment)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.authorize(domain.PermConfig); err != nil {
				return err
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.MarshalIndent(cfg.Map(), "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "%s\n", b)
				return err
			}
			b, err := cfg.TOML()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(show)
	return c
}
