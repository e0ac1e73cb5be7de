use pupilmatch::evaluate::attack::population::PopulationConfig;
use pupilmatch::evaluate::attack::report::AttackReport;
fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(100_000);
    let t = std::time::Instant::now();
    println!("{}", AttackReport::run(PopulationConfig::sparse(n, 1)));
    println!("{:?}", t.elapsed());
    let t = std::time::Instant::now();
    println!("{}", AttackReport::run(PopulationConfig::national_density(n, 1)));
    println!("{:?}", t.elapsed());
}
