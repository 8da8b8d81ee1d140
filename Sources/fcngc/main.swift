print("fcngc")
