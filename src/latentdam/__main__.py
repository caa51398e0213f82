from latentdam.cli import main

main()
