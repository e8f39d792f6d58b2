fn main() {
    println!("hipflex");
}
