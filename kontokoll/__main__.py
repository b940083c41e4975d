from kontokoll.cli.main import main

raise SystemExit(main())
