//! Small, valid example files of every dataset.

pub const WORKFORCE: &str = "ethnicity,pay_band,sex,age_band,disability,top_5_percent,senior_leadership,headcount,fte\n\
black_african,4,female,35_44,not_disabled,false,false,12,11.5\n\
white_british,4,male,45_54,disabled,true,true,30,30\n\
asian_indian,6,female,25_34,not_stated,false,true,0,0\n\
not_stated,1,not_stated,not_stated,not_stated,false,false,3,2.4\n";

pub const PAY: &str = "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\n\
white,120,21.5,19.75\n\
black,45,18.2,17.1\n\
asian,30,19.9,18.0\n\
not_stated,4,20.0,20.0\n";

pub const RECRUITMENT: &str = "ethnicity,stage,pay_band,count\n\
white,applied,3,100\n\
white,shortlisted,3,40\n\
white,appointed,3,10\n\
black,applied,3,80\n\
black,shortlisted,3,20\n\
black,appointed,3,4\n";

pub const CASEWORK: &str = "ethnicity,case_type,count\n\
white_british,disciplinary,5\n\
black_caribbean,disciplinary,7\n\
black_african,grievance,2\n";

pub const PROGRESSION: &str = "ethnicity,event,pay_band,count\n\
white,promotion,2,15\n\
mixed,promotion,2,3\n\
other,mentoring,5,1\n";

pub const SURVEY: &str = "ethnicity,question,respondents,positive\n\
white,race_equality_approach,200,150\n\
black,race_equality_approach,60,30\n\
asian,psychological_safety,40,40\n";

/// (dataset, a valid CSV, its row count).
pub const ALL: [(&str, &str, u64); 6] = [
    ("workforce", WORKFORCE, 4),
    ("pay", PAY, 4),
    ("recruitment", RECRUITMENT, 6),
    ("casework", CASEWORK, 3),
    ("progression", PROGRESSION, 3),
    ("survey", SURVEY, 3),
];
