"""The ledger engine: what every capability writes and reads the journal through.

Commands (`commands`) are what a capability asks for; the group-commit writer (`writer`) decides and writes
them in one transaction per batch; the sealer (`sealer`, `sealer_process`) chains and signs what was written;
`journal` reads it back. Alongside: the chart of accounts (`chart`), the domain's refusals (`errors`), the
city's clock (`clock`), how a resident pays (`funding`, `spending`), signed codes (`codes`, `keys`), and the
database itself (`database`, `tables`, `migrate`, `roles`, `embedded`, `urls`).

The engine imports no capability: capabilities import it."""
