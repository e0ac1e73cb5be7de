//! Name pools of the communities the five jurisdictions' pupils come from, most frequent
//! first (frequencies follow a Zipf law within each pool). They are small on purpose: a pool
//! only needs the *shape* of a population — a few very common names, a long tail, the
//! spellings and prefixes the matcher must survive — not a census.
//!
//! Surnames that change with sex are written `male|female` (Ó Briain|Ní Bhriain,
//! Kowalski|Kowalska, Kazlauskas|Kazlauskaitė).

/// A community's names.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    /// A stable label for reports.
    pub label: &'static str,
    /// Boys' forenames.
    pub boys: &'static [&'static str],
    /// Girls' forenames.
    pub girls: &'static [&'static str],
    /// Surnames (`male|female` when gendered).
    pub surnames: &'static [&'static str],
}

/// English (and general British) names.
pub const ENGLISH: Pool = Pool {
    label: "english",
    boys: &["Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Oscar", "Archie", "Jack", "Henry", "Charlie", "Freddie", "Theodore", "Thomas", "Finley", "Alfie", "Jacob", "William", "Isaac", "James", "Joshua", "Alexander", "Edward", "Max", "Samuel", "Daniel", "Benjamin", "Joseph", "Lucas", "Reuben", "Tommy", "Albie", "Elliot", "Frankie", "Jenson", "Riley", "Toby", "Harrison", "Dylan", "Mason"],
    girls: &["Olivia", "Amelia", "Isla", "Ava", "Ivy", "Lily", "Freya", "Florence", "Isabella", "Mia", "Rosie", "Sophia", "Grace", "Willow", "Evie", "Ella", "Poppy", "Elsie", "Charlotte", "Emily", "Evelyn", "Sienna", "Daisy", "Phoebe", "Alice", "Matilda", "Ruby", "Harper", "Jessica", "Katie", "Chloe", "Sophie", "Hannah", "Lucy", "Megan", "Holly", "Millie", "Eleanor", "Abigail", "Elizabeth"],
    surnames: &["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "Fletcher", "Pemberton", "Ashworth", "Whitfield", "Hargreaves", "Blackburn", "Sutcliffe", "Crowther", "Beresford", "Fairclough"],
};

/// Welsh names.
pub const WELSH: Pool = Pool {
    label: "welsh",
    boys: &["Dafydd", "Rhys", "Owain", "Gethin", "Iestyn", "Cai", "Osian", "Ioan", "Tomos", "Gruffydd", "Llewelyn", "Emyr", "Aled", "Dewi", "Huw", "Ieuan", "Steffan", "Macsen", "Elis", "Morgan"],
    girls: &["Cerys", "Seren", "Ffion", "Megan", "Nia", "Eleri", "Gwenllïan", "Carys", "Angharad", "Lowri", "Mali", "Elin", "Catrin", "Sioned", "Alaw", "Non", "Heledd", "Mererid", "Eirlys", "Efa"],
    surnames: &["Jones", "Davies", "Williams", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan", "Griffiths", "Rees", "Price", "Jenkins", "Lloyd", "Owen", "Powell", "Pritchard", "Parry", "ap Rhys", "Llewellyn", "Bowen", "Pugh", "Vaughan", "Gwynne", "Prosser"],
};

/// Scottish names, including Gaelic forms.
pub const SCOTTISH: Pool = Pool {
    label: "scottish",
    boys: &["Jack", "Noah", "Leo", "Rory", "Lewis", "Harris", "Finlay", "Callum", "Hamish", "Iain", "Alasdair", "Euan", "Fraser", "Struan", "Angus", "Lachlan", "Ruaridh", "Murdo", "Kyle", "Cameron"],
    girls: &["Isla", "Olivia", "Freya", "Eilidh", "Mhairi", "Catriona", "Kirsty", "Morag", "Skye", "Iona", "Ailsa", "Ishbel", "Fiona", "Shona", "Rhona", "Kirsten", "Lorna", "Seonaid", "Mairi", "Ellie"],
    surnames: &["Smith", "Brown", "Wilson", "Campbell", "Stewart", "Thomson", "Robertson", "Anderson", "MacDonald", "Scott", "Reid", "Murray", "Taylor", "Clark", "Ross", "Watson", "Morrison", "Paterson", "Young", "Mitchell", "McLeod", "MacKenzie", "McIntyre", "Fraser", "Henderson", "MacLean", "Sutherland", "Drummond", "Buchanan", "Menzies"],
};

/// Irish names in English spelling.
pub const IRISH: Pool = Pool {
    label: "irish",
    boys: &["Jack", "James", "Noah", "Conor", "Cian", "Darragh", "Oisin", "Fionn", "Tadhg", "Sean", "Patrick", "Liam", "Ronan", "Eoin", "Cillian", "Daniel", "Michael", "Luke", "Adam", "Rian"],
    girls: &["Emily", "Grace", "Fiadh", "Sophie", "Hannah", "Aoife", "Ciara", "Niamh", "Saoirse", "Sinead", "Siobhan", "Roisin", "Caoimhe", "Orla", "Aisling", "Clodagh", "Eimear", "Mary", "Kate", "Erin"],
    surnames: &["Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan", "O'Connor", "O'Neill", "O'Reilly", "Doyle", "McCarthy", "Gallagher", "O'Doherty", "Kennedy", "Lynch", "Murray", "Quinn", "Moore", "McLaughlin", "O'Carroll", "Connolly", "Daly", "O'Connell", "Brennan", "Fitzgerald", "MacNamara", "Dunne", "Kavanagh"],
};

/// Irish-language names, with fadas and sex-dependent surname prefixes.
pub const IRISH_LANGUAGE: Pool = Pool {
    label: "irish_language",
    boys: &["Seán", "Pádraig", "Séamus", "Tadhg", "Oisín", "Ruairí", "Cathal", "Donncha", "Éanna", "Colm", "Fiachra", "Diarmuid", "Cian", "Eoghan", "Peadar", "Tomás", "Mícheál", "Daithí", "Ciarán", "Aodh"],
    girls: &["Aoife", "Siobhán", "Sinéad", "Máire", "Caoimhe", "Róisín", "Saoirse", "Niamh", "Áine", "Bríd", "Clíodhna", "Éabha", "Gráinne", "Méabh", "Nóra", "Síle", "Úna", "Ailbhe", "Caitríona", "Órlaith"],
    surnames: &["Ó Briain|Ní Bhriain", "Ó Súilleabháin|Ní Shúilleabháin", "Ó Néill|Ní Néill", "Mac Carthaigh|Nic Carthaigh", "Ó Ceallaigh|Ní Cheallaigh", "Ó Dónaill|Ní Dhónaill", "Mac Lochlainn|Nic Lochlainn", "Ó Braonáin|Ní Bhraonáin", "Ó Murchú|Ní Mhurchú", "Ó Conchúir|Ní Chonchúir", "Breathnach|Bhreathnach", "de Búrca|de Búrca", "Mac Gearailt|Nic Gearailt", "Ó Raghallaigh|Ní Raghallaigh", "Ó Dochartaigh|Ní Dhochartaigh"],
};

/// Polish names.
pub const POLISH: Pool = Pool {
    label: "polish",
    boys: &["Jakub", "Antoni", "Jan", "Szymon", "Filip", "Franciszek", "Aleksander", "Mikołaj", "Wojciech", "Kacper", "Łukasz", "Michał", "Piotr", "Mateusz", "Bartłomiej"],
    girls: &["Zuzanna", "Julia", "Zofia", "Hanna", "Maja", "Lena", "Alicja", "Oliwia", "Małgorzata", "Agnieszka", "Katarzyna", "Wiktoria", "Natalia", "Joanna", "Magdalena"],
    surnames: &["Nowak|Nowak", "Kowalski|Kowalska", "Wiśniewski|Wiśniewska", "Wójcik|Wójcik", "Kowalczyk|Kowalczyk", "Kamiński|Kamińska", "Lewandowski|Lewandowska", "Zieliński|Zielińska", "Szymański|Szymańska", "Woźniak|Woźniak", "Dąbrowski|Dąbrowska", "Kozłowski|Kozłowska", "Jankowski|Jankowska", "Mazur|Mazur", "Krawczyk|Krawczyk"],
};

/// Romanian names.
pub const ROMANIAN: Pool = Pool {
    label: "romanian",
    boys: &["Andrei", "Ștefan", "Alexandru", "David", "Luca", "Matei", "Ionuț", "Mihai", "Gabriel", "Răzvan", "Bogdan", "Florin"],
    girls: &["Maria", "Ioana", "Elena", "Sofia", "Andreea", "Alexandra", "Bianca", "Daria", "Ana", "Larisa", "Mădălina", "Ștefania"],
    surnames: &["Popescu", "Ionescu", "Popa", "Constantin", "Stan", "Dumitru", "Gheorghe", "Munteanu", "Țurcanu", "Stoica", "Mihăilescu", "Răducanu", "Ștefănescu", "Florea"],
};

/// Lithuanian names.
pub const LITHUANIAN: Pool = Pool {
    label: "lithuanian",
    boys: &["Lukas", "Matas", "Jokūbas", "Dominykas", "Nojus", "Kajus", "Mantas", "Tomas", "Rokas", "Gabrielius"],
    girls: &["Emilija", "Amelija", "Sofija", "Lėja", "Gabija", "Austėja", "Ugnė", "Kamilė", "Rūta", "Eglė"],
    surnames: &["Kazlauskas|Kazlauskaitė", "Jankauskas|Jankauskaitė", "Petrauskas|Petrauskaitė", "Stankevičius|Stankevičiūtė", "Vasiliauskas|Vasiliauskaitė", "Žukauskas|Žukauskaitė", "Butkus|Butkutė", "Paulauskas|Paulauskaitė"],
};

/// Pakistani names.
pub const PAKISTANI: Pool = Pool {
    label: "pakistani",
    boys: &["Muhammad", "Mohammed", "Ali", "Ibrahim", "Yusuf", "Hamza", "Ayaan", "Zayn", "Abdullah", "Umar", "Hassan", "Bilal", "Rayyan", "Zakariya", "Hussain"],
    girls: &["Aisha", "Maryam", "Fatima", "Zara", "Hafsa", "Hania", "Inaya", "Amira", "Khadija", "Noor", "Ayesha", "Zainab", "Mariam", "Safa", "Alina"],
    surnames: &["Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Iqbal", "Mahmood", "Shah", "Butt", "Rashid", "Malik", "Bibi", "Begum", "Mirza", "Qureshi", "Chaudhry", "Anwar", "Aslam"],
};

/// Bangladeshi names.
pub const BANGLADESHI: Pool = Pool {
    label: "bangladeshi",
    boys: &["Mohammed", "Abdul", "Rahim", "Tanvir", "Sami", "Ayaan", "Ishaq", "Rayhan", "Shahid", "Jamal", "Nabil", "Arif"],
    girls: &["Fatema", "Sumaiya", "Tahmina", "Nusrat", "Sadia", "Ruksana", "Jannat", "Anika", "Tasnim", "Farzana", "Nadia", "Shirin"],
    surnames: &["Begum", "Uddin", "Miah", "Rahman", "Islam", "Ahmed", "Hoque", "Khatun", "Chowdhury", "Hossain", "Ali", "Akter", "Sarkar", "Abdur-Rahman"],
};

/// Arabic names.
pub const ARABIC: Pool = Pool {
    label: "arabic",
    boys: &["Mohamed", "Muhammad", "Ahmad", "Omar", "Youssef", "Khalid", "Karim", "Tariq", "Mustafa", "Hussein", "Adam", "Ibrahim"],
    girls: &["Mariam", "Fatima", "Layla", "Nour", "Salma", "Yasmin", "Hana", "Rania", "Amina", "Leen", "Jana", "Malak"],
    surnames: &["Al-Sayed", "Haddad", "Hassan", "Abdallah", "Mansour", "Nasser", "Khalil", "Saleh", "Ibrahim", "Al-Masri", "Darwish", "El-Amin"],
};

/// Somali names (the second name is the father's given name).
pub const SOMALI: Pool = Pool {
    label: "somali",
    boys: &["Abdi", "Mohamed", "Ahmed", "Abdirahman", "Hassan", "Yusuf", "Omar", "Ali", "Mahad", "Liban"],
    girls: &["Hodan", "Amina", "Ayan", "Fadumo", "Hibo", "Sagal", "Ifrah", "Nimco", "Sahra", "Hamda"],
    surnames: &["Mohamed", "Ahmed", "Hassan", "Ali", "Abdi", "Omar", "Farah", "Warsame", "Jama", "Aden", "Osman", "Yusuf"],
};

/// Gypsy, Roma and Traveller names: a small set of very common surnames.
pub const TRAVELLER: Pool = Pool {
    label: "gypsy_roma_traveller",
    boys: &["John", "Patrick", "Michael", "Thomas", "Martin", "Joseph", "Jimmy", "Levi", "Noah", "Tommy"],
    girls: &["Mary", "Bridget", "Margaret", "Kathleen", "Ellen", "Nora", "Shannon", "Roseanne", "Chelsea", "Tiffany"],
    surnames: &["Ward", "McDonagh", "Lee", "Smith", "Price", "Joyce", "Maughan", "Boswell", "Lovell", "Doran", "Connors", "Delaney"],
};
