"""The rules of the game: how contacts respond to an ask (population), how the sender asks
(strategies) and how the platform turns spam reports into a suspension (platform rules)."""
