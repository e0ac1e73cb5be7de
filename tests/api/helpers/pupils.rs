//! Synthetic pupils from the five nations. Their names must never appear in the hub's database
//! or logs (`privacy.rs`).

use chrono::NaiveDate;
use pupilmatch::encode::PupilRecord;
use pupilmatch::input::RawRecord;

/// Every forename and surname used below, for the privacy checks.
pub const SYNTHETIC_NAMES: [&str; 14] = [
    "Eilidh",
    "MacLeod",
    "Siobhan",
    "Bhraonain",
    "Dafydd",
    "Gruffudd",
    "Kacper",
    "Wisniewski",
    "Aoife",
    "Fitzgerald",
    "Tomasz",
    "Kowalczyk",
    "Oisin",
    "Quinlivan",
];

/// A pupil as an authority's file holds it.
#[derive(Debug, Clone, Copy)]
pub struct Pupil {
    /// The authority's own record id.
    pub id: &'static str,
    /// Legal forename.
    pub forename: &'static str,
    /// Legal surname.
    pub surname: &'static str,
    /// Date of birth.
    pub dob: &'static str,
    /// Sex.
    pub sex: &'static str,
}

impl Pupil {
    /// Eilidh MacLeod, born 2013-09-04: reported missing in Leeds, later on a Glasgow roll.
    pub const EILIDH: Pupil = Pupil {
        id: "LDS-0001",
        forename: "Eilidh",
        surname: "MacLeod",
        dob: "2013-09-04",
        sex: "F",
    };
    /// The same child as Glasgow records her (a different local id, surname written Macleod).
    pub const EILIDH_IN_GLASGOW: Pupil = Pupil {
        id: "GLA-7731",
        forename: "Eilidh",
        surname: "Macleod",
        dob: "2013-09-04",
        sex: "F",
    };
    /// Siobhán Ní Bhraonáin, as an Irish school records her.
    pub const SIOBHAN: Pupil = Pupil {
        id: "LDS-0002",
        forename: "Siobhán",
        surname: "Ní Bhraonáin",
        dob: "2012-02-17",
        sex: "F",
    };
    /// Dafydd ap Gruffudd, a Welsh pupil.
    pub const DAFYDD: Pupil = Pupil {
        id: "CDF-0415",
        forename: "Dafydd",
        surname: "ap Gruffudd",
        dob: "2014-11-30",
        sex: "M",
    };
    /// Kacper Wiśniewski.
    pub const KACPER: Pupil = Pupil {
        id: "GLA-1002",
        forename: "Kacper",
        surname: "Wiśniewski",
        dob: "2011-05-08",
        sex: "M",
    };
    /// Aoife Fitzgerald.
    pub const AOIFE: Pupil = Pupil {
        id: "GLA-1003",
        forename: "Aoife",
        surname: "Fitzgerald",
        dob: "2013-01-21",
        sex: "F",
    };
    /// Tomasz Kowalczyk.
    pub const TOMASZ: Pupil = Pupil {
        id: "GLA-1004",
        forename: "Tomasz",
        surname: "Kowalczyk",
        dob: "2012-07-02",
        sex: "M",
    };
    /// Oisín Quinlivan.
    pub const OISIN: Pupil = Pupil {
        id: "GLA-1005",
        forename: "Oisín",
        surname: "Quinlivan",
        dob: "2010-12-12",
        sex: "M",
    };

    /// The same pupil under another local record id (as another authority would hold it).
    pub const fn with_id(self, id: &'static str) -> Pupil {
        Pupil { id, ..self }
    }

    /// The `i`th of many distinct made-up pupils (below 17,576), each with a surname of its
    /// own (`Faultsurname` and three letters: near namesakes of one another).
    pub fn numbered(i: usize) -> Pupil {
        let letters: String = [i / 676, i / 26 % 26, i % 26]
            .iter()
            .map(|&n| char::from(b'a' + n as u8))
            .collect();
        Pupil {
            id: Box::leak(format!("F{i:05}").into_boxed_str()),
            forename: ["Ava", "Noah", "Isla", "Leo"][i % 4],
            surname: Box::leak(format!("Faultsurname{letters}").into_boxed_str()),
            dob: Box::leak(format!("2014-{:02}-{:02}", 1 + i % 12, 1 + i % 28).into_boxed_str()),
            sex: if i % 2 == 0 { "F" } else { "M" },
        }
    }

    /// The pupil as the authority's input file holds it.
    pub fn raw(&self) -> RawRecord {
        RawRecord {
            record_id: Some(self.id.into()),
            forename: Some(self.forename.into()),
            surname: Some(self.surname.into()),
            dob: Some(self.dob.into()),
            sex: Some(self.sex.into()),
            ..RawRecord::default()
        }
    }

    /// Validates the pupil as the authority's encoder would.
    pub fn validated(&self) -> PupilRecord {
        let raw = self.raw();
        PupilRecord::from_raw(&raw, NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"))
            .expect("a valid synthetic pupil")
            .record
    }
}
