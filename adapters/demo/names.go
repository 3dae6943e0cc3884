package demo

var (
	femaleNames = []string{"Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Kerstin", "Ingrid",
		"Marie", "Malin", "Jenny", "Birgitta", "Hanna", "Linnéa", "Elsa", "Astrid", "Ebba", "Maja", "Sofia", "Ulla", "Gunilla", "Margareta"}
	maleNames = []string{"Lars", "Anders", "Johan", "Karl", "Per", "Erik", "Nils", "Mikael", "Jan", "Hans", "Peter", "Olof",
		"Lennart", "Gunnar", "Sven", "Bengt", "Oskar", "Lucas", "William", "Elias", "Hugo", "Björn", "Göran", "Stig"}
	surnames = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
		"Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
		"Jakobsson", "Magnusson", "Lindström", "Åberg", "Öberg", "Ekström", "Sandberg", "Holm", "Bergqvist"}

	// Names of patients who need an interpreter, by language.
	interpreterPeople = []struct{ lang, female, male, surname string }{
		{"arabiska", "Fatima", "Ahmad", "Al-Hassan"},
		{"somaliska", "Hodan", "Abdi", "Warsame"},
		{"tigrinja", "Senait", "Yonas", "Tesfay"},
		{"dari", "Zahra", "Mohammad", "Rahimi"},
		{"persiska", "Maryam", "Reza", "Hosseini"},
		{"bosniska", "Amra", "Edin", "Hodžić"},
		{"polska", "Katarzyna", "Piotr", "Nowak"},
		{"thailändska", "Siriporn", "Somchai", "Wongsa"},
	}

	// Streets and postal codes in the county, spread over the three catchment areas.
	places = []struct{ street, postal, city string }{
		{"Västra Storgatan", "55315", "Jönköping"}, {"Barnarpsgatan", "55316", "Jönköping"},
		{"Kungsgatan", "55331", "Jönköping"}, {"Huskvarnavägen", "56132", "Huskvarna"},
		{"Vätterstranden", "56133", "Huskvarna"}, {"Storgatan", "56631", "Habo"},
		{"Järnvägsgatan", "57531", "Eksjö"}, {"Österlånggatan", "57432", "Vetlanda"},
		{"Storgatan", "57834", "Aneby"}, {"Brogatan", "57335", "Tranås"},
		{"Hovslagaregatan", "33130", "Värnamo"}, {"Storgatan", "33131", "Värnamo"},
		{"Östergatan", "33230", "Gislaved"}, {"Torggatan", "33330", "Smålandsstenar"},
		{"Kyrkogatan", "56830", "Skillingaryd"}, {"Nygatan", "56531", "Mullsjö"},
	}
)
