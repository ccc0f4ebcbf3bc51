"""Learning from data: data sources and encoders, unsupervised training (Diehl & Cook 2015), readouts."""
